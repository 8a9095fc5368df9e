/** Resolves the guest entries: defaults that depend on `memory`, cross-field rules, `count` expansion, unique names. */
import type { PathSegment } from './errors.js';
import { GUEST_MEMORY_MIN, GUESTS_MAX } from './limits.js';
import { resolveCurve, type CurveContext } from './resolve-curve.js';
import type { GuestFile } from './schema.js';
import { GROWTH_DEFAULTS } from './schema-guest-model.js';
import type { GrowthSpec, GuestSpec, WorkloadComponent } from '../model/scenario.js';
import { formatBytes, parseDuration, parseSize } from '../model/units.js';

/** Default kernel memory: 2 % of boot memory, at least 16 MiB, at most a quarter of it. */
export function defaultKernelBytes(memoryBytes: number): number {
  return Math.min(Math.max(Math.round(memoryBytes * 0.02), 16 * 2 ** 20), Math.floor(memoryBytes / 4));
}

export interface GuestContext extends CurveContext {
  frameBytes: number;
}

/** The guests after expansion, and what events need to find them. */
export interface ResolvedGuests {
  guests: GuestSpec[];
  byName: ReadonlyMap<string, GuestSpec>;
  /** Group name (a guest entry with `count`) → member names in order. */
  groups: ReadonlyMap<string, readonly string[]>;
}

function resolveWorkload(file: GuestFile, path: PathSegment[], context: GuestContext): WorkloadComponent[] {
  const components: WorkloadComponent[] = [];
  const names = new Map<string, number>();
  file.workload.forEach((component, index) => {
    const componentPath = [...path, 'workload', index];
    const name = component.name ?? `${component.kind}-${index}`;
    const earlier = names.get(name);
    if (earlier !== undefined) {
      context.issues.add([...componentPath, 'name'], `workload component name ${JSON.stringify(name)} is also used by workload[${earlier}]`, 'give each component its own name');
    }
    names.set(name, index);
    const size = resolveCurve(component.size, [...componentPath, 'size'], context);
    if (size === undefined) return;
    components.push({
      kind: component.kind,
      name,
      size,
      hotFraction: component.hot,
      ...(component.hotTouchEvery !== undefined ? { hotTouchIntervalMs: component.hotTouchEvery } : {}),
      ...(component.skew !== undefined ? { skew: component.skew } : {}),
      ...(component.coldTouchEvery !== undefined ? { coldTouchIntervalMs: component.coldTouchEvery } : {}),
      ...(Number.isFinite(component.restart) ? { restartAfterMs: component.restart } : {}),
      ...(component.access !== undefined ? { access: component.access } : {}),
      order: component.order,
    });
    if (component.access !== undefined && component.kind !== 'file') {
      context.issues.add([...componentPath, 'access'], `access: ${component.access} is for file components; this one is ${component.kind}`, 'drop access, or use kind: file');
    }
  });
  return components;
}

/** Growth settings with the kind's defaults; checks the block against the frame size and the room above boot. */
function resolveGrowth(file: GuestFile, maxMemoryBytes: number, path: PathSegment[], context: GuestContext): GrowthSpec | undefined {
  const growth = file.growth;
  if (growth.kind === 'reserved') {
    if (growth.block !== undefined || growth.onlineDelay !== undefined) {
      context.issues.add([...path, 'growth'], 'a reserved range has no block or online delay', 'drop block and onlineDelay, or use kind: hotplug or virtio-mem');
    }
    return undefined;
  }
  const defaults = GROWTH_DEFAULTS[growth.kind];
  const blockBytes = growth.block ?? parseSize(defaults.block, 'block');
  const onlineDelayMs = growth.onlineDelay ?? parseDuration(defaults.onlineDelay, 'onlineDelay');
  if (blockBytes % context.frameBytes !== 0) {
    context.issues.add([...path, 'growth', 'block'], `the block (${formatBytes(blockBytes)}) is not a whole number of frames (${formatBytes(context.frameBytes)})`, 'use a multiple of frameSize, such as 2MiB or 128MiB');
  }
  if (maxMemoryBytes <= file.memory) {
    context.issues.add([...path, 'growth'], `growth: ${growth.kind} needs room to grow into, but maxMemory is memory (${formatBytes(file.memory)})`, 'set maxMemory above memory');
  }
  return { kind: growth.kind, blockBytes, onlineDelayMs };
}

/** Everything of a guest but its name: shared by every member of a count group. */
function resolveGuestTemplate(file: GuestFile, path: PathSegment[], context: GuestContext): Omit<GuestSpec, 'name'> {
  const { issues, frameBytes } = context;
  const memoryBytes = file.memory;
  if (memoryBytes < GUEST_MEMORY_MIN) {
    issues.add([...path, 'memory'], `memory (${formatBytes(memoryBytes)}) is less than the ${formatBytes(GUEST_MEMORY_MIN)} a guest needs`, 'below that a guest\'s kernel has no room (and Hyper-V\'s balloon floor, 8 MiB + half the guest, is more than the guest); raise memory');
  } else if (memoryBytes < frameBytes) {
    issues.add([...path, 'memory'], `memory (${formatBytes(memoryBytes)}) is smaller than one frame (${formatBytes(frameBytes)})`, 'a guest needs at least one frame; raise memory or lower frameSize');
  }
  const maxMemoryBytes = file.maxMemory ?? memoryBytes;
  if (maxMemoryBytes < memoryBytes) {
    issues.add([...path, 'maxMemory'], `maxMemory (${formatBytes(maxMemoryBytes)}) is less than memory (${formatBytes(memoryBytes)})`, 'maxMemory is the largest size, memory the boot size: maxMemory >= memory');
  }
  if (file.minMemory > memoryBytes) {
    issues.add([...path, 'minMemory'], `minMemory (${formatBytes(file.minMemory)}) is more than memory (${formatBytes(memoryBytes)})`, 'minMemory is a floor below the boot size: minMemory <= memory');
  }
  let kernelBytes = defaultKernelBytes(memoryBytes);
  if (file.kernel !== undefined) {
    kernelBytes = 'bytes' in file.kernel ? file.kernel.bytes : Math.round((memoryBytes * file.kernel.percentOfMax) / 100);
    if (kernelBytes >= memoryBytes) {
      issues.add([...path, 'kernel'], `kernel (${formatBytes(kernelBytes)}) is not less than memory (${formatBytes(memoryBytes)})`, 'kernel memory is part of the boot memory; a percentage here is of memory');
    }
  }
  const driver = file.driver;
  const growth = resolveGrowth(file, maxMemoryBytes, path, context);
  return {
    memoryBytes,
    maxMemoryBytes,
    minMemoryBytes: file.minMemory,
    kernelBytes,
    shares: file.shares,
    swapBytes: file.swap,
    driver: {
      profile: driver.profile,
      ...(driver.batch !== undefined ? { batchPages: driver.batch } : {}),
      inflateMode: driver.inflateMode,
      deflateOnOom: driver.deflateOnOom,
      statsIntervalMs: driver.statsInterval,
      freePageReporting: driver.freePageReporting,
    },
    workload: resolveWorkload(file, path, context),
    ...(file.faults !== undefined ? { faultLatency: { minorMs: file.faults.minor, majorMs: file.faults.major, refaultMs: file.faults.refault } } : {}),
    ...(file.behaviour.kind === 'hostile'
      ? { hostile: { everyMs: file.behaviour.every, attacks: [...new Set(file.behaviour.attacks)], floodMessages: file.behaviour.flood } }
      : {}),
    ...(growth !== undefined ? { growth } : {}),
    linux: {
      thp: file.linux.transparentHugePages !== 'never',
      ...(file.linux.minFree !== undefined ? { minFreeBytes: file.linux.minFree } : {}),
      watermarkScale: file.linux.watermarkScale,
      pageCluster: file.linux.pageCluster,
      readAheadBytes: file.linux.readAhead,
    },
  };
}

function memberNames(file: GuestFile): string[] {
  if (file.count === undefined) return [file.name];
  return Array.from({ length: file.count }, (_, index) => `${file.name}-${index}`);
}

function describeEntry(file: GuestFile, index: number): string {
  return file.count === undefined ? `guests[${index}]` : `guests[${index}] (${file.name}, count ${file.count})`;
}

/**
 * Resolves every guest entry and expands `count` groups into `name-0` ..
 * `name-(count-1)`. Problems go to `context.issues`.
 */
export function resolveGuests(files: readonly GuestFile[], context: GuestContext): ResolvedGuests {
  const guests: GuestSpec[] = [];
  const byName = new Map<string, GuestSpec>();
  const owner = new Map<string, number>();
  const groups = new Map<string, readonly string[]>();
  const total = files.reduce((sum, file) => sum + (file.count ?? 1), 0);
  if (total > GUESTS_MAX) {
    context.issues.add(['guests'], `the scenario has ${total} guests after count expansion, more than ${GUESTS_MAX}`, 'lower some counts');
    return { guests, byName, groups };
  }
  files.forEach((file, index) => {
    const path: PathSegment[] = ['guests', index];
    const template = resolveGuestTemplate(file, path, context);
    const names = memberNames(file);
    if (file.count !== undefined) groups.set(file.name, names);
    let clashReported = false; // one clash per entry is enough, even for a large group
    for (const name of names) {
      const earlier = owner.get(name);
      if (earlier !== undefined) {
        const first = files[earlier];
        if (clashReported) continue;
        clashReported = true;
        context.issues.add([...path, 'name'], `guest name ${JSON.stringify(name)} is used twice: by ${first === undefined ? `guests[${earlier}]` : describeEntry(first, earlier)} and by ${describeEntry(file, index)}`, 'every guest needs its own name');
        continue;
      }
      owner.set(name, index);
      const guest: GuestSpec = {
        name,
        ...template,
        driver: { ...template.driver },
        ...(template.faultLatency !== undefined ? { faultLatency: { ...template.faultLatency } } : {}),
        ...(template.hostile !== undefined ? { hostile: { ...template.hostile } } : {}),
        ...(template.growth !== undefined ? { growth: { ...template.growth } } : {}),
        ...(template.linux !== undefined ? { linux: { ...template.linux } } : {}),
      };
      guests.push(guest);
      byName.set(name, guest);
    }
  });
  for (const [group, members] of groups) {
    const single = owner.get(group);
    if (single !== undefined && !members.includes(group)) {
      const index = files.findIndex((file) => file.count !== undefined && file.name === group);
      context.issues.add(['guests', single, 'name'], `guest name ${JSON.stringify(group)} is also the name of the group guests[${index}]`, 'rename one of them, so that events naming it are not ambiguous');
    }
  }
  return { guests, byName, groups };
}
