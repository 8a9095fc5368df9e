;; The full audit's scan of the frame table, in WebAssembly: `npm run
;; build:wasm` turns this file into src/audit/table-scans-wasm.ts (its bytes),
;; and a test holds the two together. See table-scans.ts for why.
;;
;; The table is the module's memory: one owner per frame, 32-bit (frame f at
;; byte 4f: `sameEnd`) or 16-bit (byte 2f: `sameEnd16`). Both read (plain
;; loads: the audit scans at quiescent points) and change nothing.
(module
  (import "table" "owners" (memory 1 65536 shared))

  ;; The first frame of [from, end) whose owner is not $value, or $end if
  ;; there is none. Sixteen frames a step (four 128-bit loads, each lane
  ;; compared by an exclusive or) once $from is on a 16-byte boundary; the
  ;; step that finds a difference, and the frames before and after the
  ;; steps, go one at a time.
  (func (export "sameEnd") (param $from i32) (param $end i32) (param $value i32) (result i32)
    (local $values v128)
    (local $at i32)
    (local.set $values (i32x4.splat (local.get $value)))
    (block $aligned
      (loop $single
        (br_if $aligned (i32.ge_u (local.get $from) (local.get $end)))
        (br_if $aligned (i32.eqz (i32.and (local.get $from) (i32.const 3))))
        (if (i32.ne (i32.load (i32.shl (local.get $from) (i32.const 2))) (local.get $value))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $single)))
    (block $stepsDone
      (loop $step
        (br_if $stepsDone (i32.gt_u (i32.add (local.get $from) (i32.const 16)) (local.get $end)))
        (local.set $at (i32.shl (local.get $from) (i32.const 2)))
        (br_if $stepsDone
          (v128.any_true
            (v128.or
              (v128.or
                (v128.xor (local.get $values) (v128.load (local.get $at)))
                (v128.xor (local.get $values) (v128.load offset=16 (local.get $at))))
              (v128.or
                (v128.xor (local.get $values) (v128.load offset=32 (local.get $at)))
                (v128.xor (local.get $values) (v128.load offset=48 (local.get $at)))))))
        (local.set $from (i32.add (local.get $from) (i32.const 16)))
        (br $step)))
    (block $done
      (loop $rest
        (br_if $done (i32.ge_u (local.get $from) (local.get $end)))
        (if (i32.ne (i32.load (i32.shl (local.get $from) (i32.const 2))) (local.get $value))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $rest)))
    (local.get $end))

  ;; `sameEnd` over a 16-bit table ($value in the low 16 bits, sign and all):
  ;; thirty-two frames a step once $from is on a 16-byte boundary.
  (func (export "sameEnd16") (param $from i32) (param $end i32) (param $value i32) (result i32)
    (local $values v128)
    (local $at i32)
    (local.set $values (i16x8.splat (local.get $value)))
    (local.set $value (i32.extend16_s (local.get $value)))
    (block $aligned
      (loop $single
        (br_if $aligned (i32.ge_u (local.get $from) (local.get $end)))
        (br_if $aligned (i32.eqz (i32.and (local.get $from) (i32.const 7))))
        (if (i32.ne (i32.load16_s (i32.shl (local.get $from) (i32.const 1))) (local.get $value))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $single)))
    (block $stepsDone
      (loop $step
        (br_if $stepsDone (i32.gt_u (i32.add (local.get $from) (i32.const 32)) (local.get $end)))
        (local.set $at (i32.shl (local.get $from) (i32.const 1)))
        (br_if $stepsDone
          (v128.any_true
            (v128.or
              (v128.or
                (v128.xor (local.get $values) (v128.load (local.get $at)))
                (v128.xor (local.get $values) (v128.load offset=16 (local.get $at))))
              (v128.or
                (v128.xor (local.get $values) (v128.load offset=32 (local.get $at)))
                (v128.xor (local.get $values) (v128.load offset=48 (local.get $at)))))))
        (local.set $from (i32.add (local.get $from) (i32.const 32)))
        (br $step)))
    (block $done
      (loop $rest
        (br_if $done (i32.ge_u (local.get $from) (local.get $end)))
        (if (i32.ne (i32.load16_s (i32.shl (local.get $from) (i32.const 1))) (local.get $value))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $rest)))
    (local.get $end)))
