/** The ring-buffer queue shared by the KCP and smux queues, against a plain array. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Deque } from '@kcptunb/collections';

test('push, shift, first, last and at across wrap-around and growth', () => {
  const q = new Deque<number>(4);
  assert.equal(q.first(), undefined);
  assert.equal(q.shift(), undefined);
  for (let i = 0; i < 3; i++) q.push(i);
  assert.equal(q.shift(), 0);
  for (let i = 3; i < 10; i++) q.push(i); // wraps, then grows twice
  assert.equal(q.length, 9);
  assert.deepEqual(Array.from({ length: q.length }, (_, i) => q.at(i)), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(q.first(), 1);
  assert.equal(q.last(), 9);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.last(), undefined);
});

test('property: any sequence of push, shift and insert matches an array', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), v: fc.integer() }),
    fc.record({ kind: fc.constant('shift' as const) }),
    fc.record({ kind: fc.constant('insert' as const), v: fc.integer(), at: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const q = new Deque<number>(2);
      const model: number[] = [];
      for (const o of ops) {
        if (o.kind === 'push') {
          q.push(o.v);
          model.push(o.v);
        } else if (o.kind === 'shift') {
          assert.equal(q.shift(), model.shift());
        } else {
          const at = o.at % (model.length + 1);
          q.insert(at, o.v);
          model.splice(at, 0, o.v);
        }
        assert.equal(q.length, model.length);
        assert.equal(q.first(), model[0]);
        assert.equal(q.last(), model[model.length - 1]);
      }
      assert.deepEqual(Array.from({ length: q.length }, (_, i) => q.at(i)), model);
    }),
  );
});
