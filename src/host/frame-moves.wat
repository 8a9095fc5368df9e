;; The frame table's range moves, in WebAssembly: `npm run build:wasm` turns
;; this file into src/host/frame-moves-wasm.ts (its bytes), and a test holds
;; the two together. See frame-moves.ts for why.
;;
;; The table is the module's memory: one owner per frame, 32-bit (frame f at
;; byte 4f: `move`, `moveDown`) or 16-bit (byte 2f: `move16`, `moveDown16`),
;; as the run chose for its owner values (host/owners.ts). `move` changes the
;; owner of frames [from, end) from $expected to $new, each by a
;; compare-exchange, and stops at the first frame whose owner is not
;; $expected (it is left as it is); `moveDown` does the same going down (a
;; guest names the frames it gives back from the top of a run). Frames go
;; several at a time, one 64-bit compare-exchange over an aligned group (two
;; 32-bit owners or four 16-bit ones: all checked and changed as one, or
;; none); when a group's exchange fails, its frames are tried one by one, so
;; the frame returned is exactly the first one that is not $expected's, as
;; one exchange per frame would find. (JavaScript's Atomics.compareExchange
;; is a call into the runtime per frame; these are single instructions, and
;; a locked instruction costs about the same for one owner as for four.)
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

  ;; The 16-bit table: `move` with four frames to a group.
  (func (export "move16") (param $from i32) (param $end i32) (param $expected i32) (param $new i32) (result i32)
    (local $expectedQuad i64)
    (local $newQuad i64)
    (local.set $expected (i32.and (local.get $expected) (i32.const 0xffff)))
    (local.set $new (i32.and (local.get $new) (i32.const 0xffff)))
    (local.set $expectedQuad (call $quad (local.get $expected)))
    (local.set $newQuad (call $quad (local.get $new)))
    ;; Frames alone up to a multiple of four, so that the groups are aligned.
    (block $aligned
      (loop $single
        (br_if $aligned (i32.ge_u (local.get $from) (local.get $end)))
        (br_if $aligned (i32.eqz (i32.and (local.get $from) (i32.const 3))))
        (if (i32.ne (call $exchangeOne16 (local.get $from) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $single)))
    (block $groupsDone
      (loop $group
        (br_if $groupsDone (i32.gt_u (i32.add (local.get $from) (i32.const 4)) (local.get $end)))
        (if (i64.ne
              (i64.atomic.rmw.cmpxchg (i32.shl (local.get $from) (i32.const 1)) (local.get $expectedQuad) (local.get $newQuad))
              (local.get $expectedQuad))
          (then
            ;; Not all four $expected's: nothing changed. Each alone, then, to find which.
            (if (i32.ne (call $exchangeOne16 (local.get $from) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (local.get $from))))
            (if (i32.ne (call $exchangeOne16 (i32.add (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.add (local.get $from) (i32.const 1)))))
            (if (i32.ne (call $exchangeOne16 (i32.add (local.get $from) (i32.const 2)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.add (local.get $from) (i32.const 2)))))
            (if (i32.ne (call $exchangeOne16 (i32.add (local.get $from) (i32.const 3)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.add (local.get $from) (i32.const 3)))))))
        (local.set $from (i32.add (local.get $from) (i32.const 4)))
        (br $group)))
    ;; The frames left over from the groups.
    (block $done
      (loop $rest
        (br_if $done (i32.ge_u (local.get $from) (local.get $end)))
        (if (i32.ne (call $exchangeOne16 (local.get $from) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $rest)))
    (local.get $from))

  ;; The 16-bit table: `moveDown` with four frames to a group.
  (func (export "moveDown16") (param $from i32) (param $end i32) (param $expected i32) (param $new i32) (result i32)
    (local $expectedQuad i64)
    (local $newQuad i64)
    (local.set $expected (i32.and (local.get $expected) (i32.const 0xffff)))
    (local.set $new (i32.and (local.get $new) (i32.const 0xffff)))
    (local.set $expectedQuad (call $quad (local.get $expected)))
    (local.set $newQuad (call $quad (local.get $new)))
    ;; Frames alone down to a multiple of four, so that the groups below are aligned.
    (block $aligned
      (loop $single
        (br_if $aligned (i32.le_u (local.get $from) (local.get $end)))
        (br_if $aligned (i32.eqz (i32.and (local.get $from) (i32.const 3))))
        (if (i32.ne (call $exchangeOne16 (i32.sub (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.sub (local.get $from) (i32.const 1)))
        (br $single)))
    (block $groupsDone
      (loop $group
        (br_if $groupsDone (i32.lt_u (local.get $from) (i32.add (local.get $end) (i32.const 4))))
        (if (i64.ne
              (i64.atomic.rmw.cmpxchg (i32.shl (i32.sub (local.get $from) (i32.const 4)) (i32.const 1)) (local.get $expectedQuad) (local.get $newQuad))
              (local.get $expectedQuad))
          (then
            ;; Not all four $expected's: nothing changed. Each alone, the top first, to find which.
            (if (i32.ne (call $exchangeOne16 (i32.sub (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (local.get $from))))
            (if (i32.ne (call $exchangeOne16 (i32.sub (local.get $from) (i32.const 2)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.sub (local.get $from) (i32.const 1)))))
            (if (i32.ne (call $exchangeOne16 (i32.sub (local.get $from) (i32.const 3)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.sub (local.get $from) (i32.const 2)))))
            (if (i32.ne (call $exchangeOne16 (i32.sub (local.get $from) (i32.const 4)) (local.get $expected) (local.get $new)) (local.get $expected))
              (then (return (i32.sub (local.get $from) (i32.const 3)))))))
        (local.set $from (i32.sub (local.get $from) (i32.const 4)))
        (br $group)))
    ;; The frames left over from the groups.
    (block $done
      (loop $rest
        (br_if $done (i32.le_u (local.get $from) (local.get $end)))
        (if (i32.ne (call $exchangeOne16 (i32.sub (local.get $from) (i32.const 1)) (local.get $expected) (local.get $new)) (local.get $expected))
          (then (return (local.get $from))))
        (local.set $from (i32.sub (local.get $from) (i32.const 1)))
        (br $rest)))
    (local.get $from))

  ;; Four copies of a 16-bit owner (given in the low 16 bits), one 64-bit word.
  (func $quad (param $owner i32) (result i64)
    (local $pair i64)
    (local.set $pair (i64.extend_i32_u (i32.or (local.get $owner) (i32.shl (local.get $owner) (i32.const 16)))))
    (i64.or (local.get $pair) (i64.shl (local.get $pair) (i64.const 32))))

  ;; One frame's compare-exchange in the 16-bit table ($expected and $new in
  ;; the low 16 bits): returns the owner it found, in the low 16 bits.
  (func $exchangeOne16 (param $frame i32) (param $expected i32) (param $new i32) (result i32)
    (i32.atomic.rmw16.cmpxchg_u (i32.shl (local.get $frame) (i32.const 1)) (local.get $expected) (local.get $new)))

  ;; One frame's compare-exchange: returns the owner it found.
  (func $exchangeOne (param $frame i32) (param $expected i32) (param $new i32) (result i32)
    (i32.atomic.rmw.cmpxchg (i32.shl (local.get $frame) (i32.const 2)) (local.get $expected) (local.get $new)))
)
