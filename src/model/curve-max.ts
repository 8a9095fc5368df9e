/** The largest value of a workload's size curve (model/scenario.ts), for what must hold it at its peak. */
import type { SizeCurve } from './scenario.js';

/** The largest size a curve reaches, in bytes. */
export function curveMaxBytes(curve: SizeCurve): number {
  switch (curve.kind) {
    case 'constant':
      return curve.bytes;
    case 'steps':
      return curve.steps.reduce((max, step) => Math.max(max, step.bytes), 0);
    case 'ramp':
      return Math.max(curve.fromBytes, curve.toBytes);
    case 'sine':
      return Math.max(curve.minBytes, curve.maxBytes);
    case 'bursts':
      return Math.max(curve.baseBytes, curve.peakBytes);
    case 'trace':
      return curve.points.reduce((max, point) => Math.max(max, point.bytes), 0);
  }
}
