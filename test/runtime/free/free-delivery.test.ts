/** Delivery in free-running mode: each worker's batches arrive in order, each way, whatever the gates; delays only reorder across workers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Delivery, type Direction } from '../../../src/runtime/free/free-delivery.js';
import { Random } from '../../../src/util/random.js';
import { assertProperty, propertyParams } from '../../support/fc.js';

const params = propertyParams('delivery keeps each lane in order', { numRuns: 50 });

describe(`free-running delivery (seed ${params.seed})`, () => {
  it('keeps every worker lane FIFO, in both directions, under scheduled gates and injected delays', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 2 }), fc.constantFrom<Direction>('to-host', 'to-guests')), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.scheduler(),
        async (sends, fraction, scheduler) => {
          const delivered = new Map<string, number[]>();
          const delivery = new Delivery(3, { fraction, turnsMax: 3, random: new Random(7), active: () => true }, () => scheduler.schedule(Promise.resolve()), (error) => {
            throw error;
          });
          sends.forEach(([worker, direction], sequence) => {
            delivery.send(worker, direction, () => {
              const lane = `${worker}/${direction}`;
              delivered.set(lane, [...(delivered.get(lane) ?? []), sequence]);
            });
          });
          while (scheduler.count() > 0 || [...delivered.values()].reduce((sum, list) => sum + list.length, 0) < sends.length) {
            if (scheduler.count() > 0) await scheduler.waitOne();
            else await new Promise((resolve) => setImmediate(resolve));
          }
          for (const [lane, order] of delivered) expect(order, lane).toEqual([...order].sort((a, b) => a - b));
          expect([...delivered.values()].flat().sort((a, b) => a - b)).toEqual(sends.map((_, i) => i));
        },
      ),
      params,
    );
  });

  it('runs a batch at once when nothing holds its lane', () => {
    const delivery = new Delivery(1, null, null, () => {});
    let ran = false;
    delivery.send(0, 'to-host', () => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(delivery.delayed).toBe(0);
  });
});
