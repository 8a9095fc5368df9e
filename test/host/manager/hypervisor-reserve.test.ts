/** The hypervisor's own frames: the lowest at boot; a new size gives the excess back to transit or takes transit's frames. */
import { describe, expect, it } from 'vitest';
import { FrameTable } from '../../../src/host/frame-table.js';
import { HypervisorReserve } from '../../../src/host/manager/hypervisor-reserve.js';
import { Transit } from '../../../src/host/manager/shard-balance.js';
import { OWNER_FREE, OWNER_HYPERVISOR } from '../../../src/host/owners.js';

describe('HypervisorReserve', () => {
  it('takes the lowest frames at boot, owned by the hypervisor in the table', () => {
    const table = new FrameTable(100);
    const reserve = new HypervisorReserve(table, new Transit(), 10);
    expect([reserve.held, reserve.wanted, reserve.missing]).toEqual([10, 10, 0]);
    expect(Array.from(reserve.heldFrames()).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(table.ownerOf(9)).toBe(OWNER_HYPERVISOR);
    expect(table.ownerOf(10)).toBe(OWNER_FREE);
  });

  it('leaves a boot frame that is not free where it is, holds the others in order, and the table records the failed exchange', () => {
    const table = new FrameTable(100);
    expect(table.transfer(3, OWNER_FREE, 7)).toBe(true);
    const reserve = new HypervisorReserve(table, new Transit(), 6);
    expect(Array.from(reserve.heldFrames())).toEqual([0, 1, 2, 4, 5]);
    expect([reserve.held, reserve.missing]).toEqual([5, 1]);
    expect(table.ownerOf(3)).toBe(7);
    expect(table.transferFailures).toBe(1);
    expect(table.transferFailureDetails[0]).toMatchObject({ frame: 3, expectedOwner: OWNER_FREE, foundOwner: 7, newOwner: OWNER_HYPERVISOR });
  });

  it('gives frames back to transit when it wants fewer, the last taken first', () => {
    const table = new FrameTable(100);
    const transit = new Transit();
    const reserve = new HypervisorReserve(table, transit, 10);
    reserve.want(4);
    expect(reserve.held).toBe(4);
    expect(transit.size).toBe(6);
    expect(table.ownerOf(9)).toBe(OWNER_FREE);
    expect(table.ownerOf(3)).toBe(OWNER_HYPERVISOR);
  });

  it('takes what transit has toward a larger size at once, and the rest later (takeFree)', () => {
    const table = new FrameTable(100);
    const transit = new Transit();
    const reserve = new HypervisorReserve(table, transit, 0);
    transit.push(50, 5);
    reserve.want(20);
    expect([reserve.held, reserve.missing]).toEqual([5, 15]);
    expect(table.ownerOf(52)).toBe(OWNER_HYPERVISOR);
    transit.push(70, 30);
    reserve.takeFree();
    expect([reserve.held, reserve.missing]).toEqual([20, 0]);
    expect(transit.size).toBe(15);
    reserve.takeFree();
    expect(transit.size).toBe(15);
  });

  it('does not take a frame transit wrongly holds that the table says is not free (the table counts it)', () => {
    const table = new FrameTable(10);
    const transit = new Transit();
    const reserve = new HypervisorReserve(table, transit, 0);
    expect(table.transfer(5, OWNER_FREE, 1)).toBe(true);
    transit.push(5, 1);
    reserve.want(1);
    expect(reserve.held).toBe(0);
    expect(table.ownerOf(5)).toBe(1);
  });

  it('refuses sizes that are not a whole number of the table\'s frames, naming itself', () => {
    const table = new FrameTable(10);
    expect(() => new HypervisorReserve(table, new Transit(), 11)).toThrow(/^HypervisorReserve: wanted must be a whole number from 0 to 10, got 11/);
    expect(() => new HypervisorReserve(table, new Transit(), -1)).toThrow(/^HypervisorReserve: /);
    const reserve = new HypervisorReserve(table, new Transit(), 2);
    expect(() => reserve.want(10)).toThrow(/^HypervisorReserve\.want: count must be a whole number from 0 to 9, got 10/);
    expect(() => reserve.want(1.5)).toThrow(/^HypervisorReserve\.want: /);
  });
});
