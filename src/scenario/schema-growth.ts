/**
 * File format of growth past the boot size (`growth` of a guest): a reserved
 * range held by the balloon (the default), hotplug sections (Xen, Hyper-V),
 * or virtio-mem blocks. Defaults that depend on the kind are filled in by
 * resolve-guests.ts.
 */
import { z } from 'zod';
import type { GrowthKind } from '../model/scenario.js';
import { durationField, expandShorthand, sizeField, strictObject } from './schema-fields.js';

/** How a guest can grow past its boot size. */
export const GROWTH_KINDS = ['reserved', 'hotplug', 'virtio-mem'] as const satisfies readonly GrowthKind[];

/** Defaults per kind, as a scenario writes them. */
export const GROWTH_DEFAULTS: Readonly<Record<Exclude<GrowthKind, 'reserved'>, { block: string; onlineDelay: string }>> = {
  // Xen and Hyper-V add memory in 128 MiB sections; Hyper-V's take up to 5 s each to come online.
  hotplug: { block: '128MiB', onlineDelay: '5s' },
  // virtio-mem plugs 2 MiB blocks; 512 MiB took about a second to plug and online on a real guest.
  'virtio-mem': { block: '2MiB', onlineDelay: '250ms' },
};

const growthObjectSchema = strictObject(
  {
    kind: z.enum(GROWTH_KINDS).meta({ description: 'reserved: the room above boot is held by the balloon; hotplug: 128 MiB sections; virtio-mem: 2 MiB blocks' }),
    block: sizeField('the plug unit (default: 128MiB for hotplug, 2MiB for virtio-mem)', { positive: true }).optional(),
    onlineDelay: durationField('how long 128 MiB of plugged memory takes to come online (default: 5s for hotplug, 250ms for virtio-mem)').optional(),
  },
  'how the guest grows past its boot size, up to maxMemory',
);

/** `growth: hotplug` or `growth: {kind: virtio-mem, block: 2MiB, onlineDelay: 250ms}`. */
export const growthSchema = z
  .union([
    z.enum(GROWTH_KINDS).transform((kind, ctx) => expandShorthand(growthObjectSchema, { kind }, ctx, `{kind: ${kind}, ...}`)),
    growthObjectSchema,
  ])
  .meta({ description: `how the guest grows past its boot size: ${GROWTH_KINDS.join(', ')}, or {kind, block, onlineDelay}` });
