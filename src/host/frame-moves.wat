;; The frame table's range moves, in WebAssembly: `npm run build:wasm` turns
;; this file into src/host/frame-moves-wasm.ts (its bytes), and a test holds
;; the two together. See frame-moves.ts for why.
;;
;; The table is the module's memory: one 32-bit owner per frame, frame f at
;; byte 4f. `move` changes the owner of frames [from, end) from $expected to
;; $new, each by a compare-exchange, and stops at the first frame whose owner
;; is not $expected (it is left as it is); `moveDown` does the same going
;; down (a guest names the frames it gives back from the top of a run). Frames go two at a time, a 64-bit
;; compare-exchange over an aligned pair (both owners checked and changed as
;; one, or neither); when a pair's exchange fails, its frames are tried one
;; by one, so the frame returned is exactly the first one that is not
;; $expected's, as one exchange per frame would find. (JavaScript's
;; Atomics.compareExchange is a call into the runtime per frame; these are
;; single instructions.)
(module
  (import "table" "owners" (memory 1 65536 shared))

  ;; Moves frames [from, end) from $expected to $new; returns the first frame
  ;; that did not move (it was not $expected's), or $end if all of them moved.
  (func (export "move") (param $from i32) (param $end i32) (param $expected i32) (param $new i32) (result i32)
    (local $expectedPair i64)
    (local $newPair i64)
    (local.set $expectedPair
      (i64.or (i64.extend_i32_u (local.get $expected)) (i64.shl (i64.extend_i32_u (local.get $expected)) (i64.const 32))))
    (local.set $newPair
      (i64.or (i64.extend_i32_u (local.get $new)) (i64.shl (i64.extend_i32_u (local.get $new)) (i64.const 32))))
    ;; A first frame at an odd number goes alone, so that the pairs are aligned.
    (if (i32.and (i32.lt_u (local.get $from) (local.get $end)) (i32.and (local.get $from) (i32.const 1)))
      (then
        (if (i32.ne (call $exchangeOne (local.get $from) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))))
    (block $pairsDone
      (loop $pair
        (br_if $pairsDone (i32.ge_u (i32.add (local.get $from) (i32.const 1)) (local.get $end)))
        (if (i64.ne
              (i64.atomic.rmw.cmpxchg (i32.shl (local.get $from) (i32.const 2)) (local.get $expectedPair) (local.get $newPair))
              (local.get $expectedPair))
          (then
            ;; Not both $expected's: nothing changed. Each alone, then, to find which.
            (if (i32.ne (call $exchangeOne (local.get $from) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (local.get $from))))
            (if (i32.ne (call $exchangeOne (i32.add (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.add (local.get $from) (i32.const 1)))))))
        (local.set $from (i32.add (local.get $from) (i32.const 2)))
        (br $pair)))
    ;; A last frame left over from the pairs.
    (if (i32.lt_u (local.get $from) (local.get $end))
      (then
        (if (i32.ne (call $exchangeOne (local.get $from) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))))
    (local.get $from))

  ;; `move` going down: moves frames from - 1, from - 2, ..., end (in that
  ;; order) from $expected to $new; returns s such that frames [s, from) moved:
  ;; $end if all of them did, else frame s - 1 is the one that was not $expected's.
  (func (export "moveDown") (param $from i32) (param $end i32) (param $expected i32) (param $new i32) (result i32)
    (local $expectedPair i64)
    (local $newPair i64)
    (local.set $expectedPair
      (i64.or (i64.extend_i32_u (local.get $expected)) (i64.shl (i64.extend_i32_u (local.get $expected)) (i64.const 32))))
    (local.set $newPair
      (i64.or (i64.extend_i32_u (local.get $new)) (i64.shl (i64.extend_i32_u (local.get $new)) (i64.const 32))))
    ;; A first frame at an even number goes alone, so that the pairs below it are aligned.
    (if (i32.and (i32.gt_u (local.get $from) (local.get $end)) (i32.and (local.get $from) (i32.const 1)))
      (then
        (if (i32.ne (call $exchangeOne (i32.sub (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.sub (local.get $from) (i32.const 1)))))
    (block $pairsDone
      (loop $pair
        (br_if $pairsDone (i32.lt_u (local.get $from) (i32.add (local.get $end) (i32.const 2))))
        (if (i64.ne
              (i64.atomic.rmw.cmpxchg (i32.shl (i32.sub (local.get $from) (i32.const 2)) (i32.const 2)) (local.get $expectedPair) (local.get $newPair))
              (local.get $expectedPair))
          (then
            ;; Not both $expected's: nothing changed. Each alone, the upper first, to find which.
            (if (i32.ne (call $exchangeOne (i32.sub (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (local.get $from))))
            (if (i32.ne (call $exchangeOne (i32.sub (local.get $from) (i32.const 2)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.sub (local.get $from) (i32.const 1)))))))
        (local.set $from (i32.sub (local.get $from) (i32.const 2)))
        (br $pair)))
    ;; A last frame left over from the pairs.
    (if (i32.gt_u (local.get $from) (local.get $end))
      (then
        (if (i32.ne (call $exchangeOne (i32.sub (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.sub (local.get $from) (i32.const 1)))))
    (local.get $from))

  ;; One frame's compare-exchange: returns the owner it found.
  (func $exchangeOne (param $frame i32) (param $expected i32) (param $new i32) (result i32)
    (i32.atomic.rmw.cmpxchg (i32.shl (local.get $frame) (i32.const 2)) (local.get $expected) (local.get $new)))
)
