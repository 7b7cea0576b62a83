import fc from 'fast-check';
import { callWorkflowId } from '../../src/contracts/call';

// One workflow per call: the id from the PBX and 3CX's call id must never be shared by two calls,
// whatever the parts contain (PBX host names carry `-`; webhooks may send any call id).

test('a dash in either part cannot make two calls share an id', () => {
  expect(callWorkflowId('pbx-a', '7')).not.toBe(callWorkflowId('pbx', 'a-7'));
  expect(callWorkflowId('a-b', 'c')).not.toBe(callWorkflowId('a', 'b-c'));
});

test('distinct (PBX, call id) pairs always give distinct ids (property)', () => {
  const part = fc.string({ unit: fc.constantFrom('a', '-', '%', '2', 'D', '.', ' ', 'é'), maxLength: 6 });
  fc.assert(
    fc.property(part, part, part, part, (pbx1, id1, pbx2, id2) => {
      fc.pre(pbx1 !== pbx2 || id1 !== id2);
      expect(callWorkflowId(pbx1, id1)).not.toBe(callWorkflowId(pbx2, id2));
    }),
    { numRuns: 2000 },
  );
});

test('ids of ordinary PBX names and numeric call ids stay readable in the Web UI', () => {
  expect(callWorkflowId('acme.3cx.eu', '100042')).toBe('call-acme.3cx.eu-100042');
});
