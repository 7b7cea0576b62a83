import { dropDatabase } from '../support/db';
import { TEMPLATE_DATABASE } from '../support/env';

export default async function globalTeardown(): Promise<void> {
  await dropDatabase(TEMPLATE_DATABASE);
}
