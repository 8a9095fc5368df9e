/** Unit tests of src/messages/virtio-stats.ts: the stat tags, their indexes, and stats records keyed by tag. */
import { describe, expect, it } from 'vitest';
import { CUMULATIVE_STATS, MEMORY_STATS, VIRTIO_STAT_COUNT, VIRTIO_STAT_TAGS, VirtioStat, statsByTag, unreportedStats } from '../../src/messages/virtio-stats.js';

describe('the virtio stat tags', () => {
  it('index each tag by its place in tag order, with no tag twice', () => {
    expect(new Set(VIRTIO_STAT_TAGS).size).toBe(VIRTIO_STAT_COUNT);
    VIRTIO_STAT_TAGS.forEach((tag, index) => expect(VirtioStat[tag]).toBe(index));
  });

  it('are each either a memory figure or a count since boot', () => {
    expect([...MEMORY_STATS, ...CUMULATIVE_STATS].sort()).toEqual([...VIRTIO_STAT_TAGS].sort());
    expect(CUMULATIVE_STATS.filter((tag) => MEMORY_STATS.includes(tag))).toEqual([]);
  });
});

describe('stats records', () => {
  it('read -1 for every tag not reported', () => {
    expect(Object.values(unreportedStats())).toEqual(VIRTIO_STAT_TAGS.map(() => -1));
    const partial = statsByTag([5, 6]);
    expect([partial[VIRTIO_STAT_TAGS[0]!], partial[VIRTIO_STAT_TAGS[1]!], partial[VIRTIO_STAT_TAGS[2]!]]).toEqual([5, 6, -1]);
  });

  it('key a full report by tag, in tag order', () => {
    const values = VIRTIO_STAT_TAGS.map((_, index) => index * 10);
    const record = statsByTag(values);
    expect(Object.keys(record)).toEqual([...VIRTIO_STAT_TAGS]);
    for (const tag of VIRTIO_STAT_TAGS) expect(record[tag]).toBe(VirtioStat[tag] * 10);
  });
});
