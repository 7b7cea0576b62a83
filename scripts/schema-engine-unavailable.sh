#!/bin/sh
# Stand-in for Prisma's native schema-engine binary, which cannot be downloaded offline.
echo "The native Prisma schema engine is not installed. Apply migrations with 'npm run db:migrate'" >&2
echo "(Prisma's schema engine compiled to WebAssembly, same bookkeeping as 'prisma migrate deploy')." >&2
exit 1
