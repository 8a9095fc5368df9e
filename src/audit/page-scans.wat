;; The full audit's scan of a guest's page map and page states, in
;; WebAssembly: `npm run build:wasm` turns this file into
;; src/audit/page-scans-wasm.ts (its bytes), and a test holds the two
;; together. See page-scans.ts for why.
;;
;; The module's memory is an arena of guests' maps and states
;; (guest/page-map-arena.ts): page p's map word at byte $mapAt + 4p, its
;; state at byte $stateAt + p. Both functions only read (the audit scans at
;; quiescent points). Each returns where a run of pages that starts before
;; $page ends: the first page from $page on, below $pages, that does not go
;; on with the run, or $pages. Sixteen pages a step (one 128-bit load of
;; states and four of map words); the step that finds a difference, and the
;; pages after the steps, go one at a time.
(module
  (import "arena" "memory" (memory 1 65536 shared))

  ;; A run of pages in state $state without a frame (map word 0).
  (func (export "unmappedEnd") (param $page i32) (param $pages i32) (param $mapAt i32) (param $stateAt i32) (param $state i32) (result i32)
    (local $states v128)
    (local $at i32)
    (local.set $states (i8x16.splat (local.get $state)))
    (block $stepsDone
      (loop $step
        (br_if $stepsDone (i32.gt_u (i32.add (local.get $page) (i32.const 16)) (local.get $pages)))
        (br_if $stepsDone
          (i32.eqz (i8x16.all_true (i8x16.eq (v128.load (i32.add (local.get $stateAt) (local.get $page))) (local.get $states)))))
        (local.set $at (i32.add (local.get $mapAt) (i32.shl (local.get $page) (i32.const 2))))
        (br_if $stepsDone
          (v128.any_true
            (v128.or
              (v128.or (v128.load (local.get $at)) (v128.load offset=16 (local.get $at)))
              (v128.or (v128.load offset=32 (local.get $at)) (v128.load offset=48 (local.get $at))))))
        (local.set $page (i32.add (local.get $page) (i32.const 16)))
        (br $step)))
    (block $done
      (loop $single
        (br_if $done (i32.ge_u (local.get $page) (local.get $pages)))
        (br_if $done (i32.ne (i32.load8_u (i32.add (local.get $stateAt) (local.get $page))) (local.get $state)))
        (br_if $done (i32.ne (i32.load (i32.add (local.get $mapAt) (i32.shl (local.get $page) (i32.const 2)))) (i32.const 0)))
        (local.set $page (i32.add (local.get $page) (i32.const 1)))
        (br $single)))
    (local.get $page))

  ;; A run of pages in state $state that map consecutive frames, going up
  ;; ($frameStep 1) or down (-1) a page: page $page goes on with it if its
  ;; word is $word, and each next page's word is $frameStep less (a word is
  ;; the frame's complement). Pages from $pages on are not looked at (the
  ;; caller stops a run going down at frame 0).
  (func (export "mappedEnd") (param $page i32) (param $pages i32) (param $mapAt i32) (param $stateAt i32) (param $state i32) (param $word i32) (param $frameStep i32) (result i32)
    (local $states v128)
    (local $words v128)
    (local $apart v128)
    (local $at i32)
    (local.set $states (i8x16.splat (local.get $state)))
    ;; Four pages' words differ by four steps.
    (local.set $apart (i32x4.splat (i32.shl (local.get $frameStep) (i32.const 2))))
    (block $stepsDone
      (loop $step
        (br_if $stepsDone (i32.gt_u (i32.add (local.get $page) (i32.const 16)) (local.get $pages)))
        (br_if $stepsDone
          (i32.eqz (i8x16.all_true (i8x16.eq (v128.load (i32.add (local.get $stateAt) (local.get $page))) (local.get $states)))))
        (local.set $at (i32.add (local.get $mapAt) (i32.shl (local.get $page) (i32.const 2))))
        ;; The words the sixteen pages must have: $word, $word - step, ..., $word - 15 steps, four lanes a load.
        (local.set $words
          (i32x4.sub (i32x4.splat (local.get $word)) (i32x4.mul (i32x4.splat (local.get $frameStep)) (v128.const i32x4 0 1 2 3))))
        (br_if $stepsDone
          (i32.eqz
            (i32x4.all_true
              (v128.and
                (v128.and
                  (i32x4.eq (v128.load (local.get $at)) (local.get $words))
                  (i32x4.eq (v128.load offset=16 (local.get $at)) (i32x4.sub (local.get $words) (local.get $apart))))
                (v128.and
                  (i32x4.eq (v128.load offset=32 (local.get $at)) (i32x4.sub (local.get $words) (i32x4.shl (local.get $apart) (i32.const 1))))
                  (i32x4.eq (v128.load offset=48 (local.get $at)) (i32x4.sub (local.get $words) (i32x4.mul (local.get $apart) (v128.const i32x4 3 3 3 3)))))))))
        (local.set $page (i32.add (local.get $page) (i32.const 16)))
        (local.set $word (i32.sub (local.get $word) (i32.shl (local.get $frameStep) (i32.const 4))))
        (br $step)))
    (block $done
      (loop $single
        (br_if $done (i32.ge_u (local.get $page) (local.get $pages)))
        (br_if $done (i32.ne (i32.load8_u (i32.add (local.get $stateAt) (local.get $page))) (local.get $state)))
        (br_if $done (i32.ne (i32.load (i32.add (local.get $mapAt) (i32.shl (local.get $page) (i32.const 2)))) (local.get $word)))
        (local.set $page (i32.add (local.get $page) (i32.const 1)))
        (local.set $word (i32.sub (local.get $word) (local.get $frameStep)))
        (br $single)))
    (local.get $page)))
