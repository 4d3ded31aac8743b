;; The beacon mod: a WebAssembly component hand-written in WAT against wit/ (world mod).
;;
;; This is the core module; `make components` wraps it into a component with
;;   wasm-tools component embed wit --world mod src/beacon.wat -o beacon.core.wasm
;;   wasm-tools component new beacon.core.wasm -o components/beacon.wasm
;; Imports use the canonical ABI names of the host interface (modhost:mod/host@0.1.0); the
;; exports are init, on-tick and on-event, plus the memory and cabi_realloc the ABI needs.
(module
  (import "modhost:mod/host@0.1.0" "log" (func $log (param i32 i32 i32)))
  (import "modhost:mod/host@0.1.0" "spawn"
    (func $spawn (param i32 i32 f64 f64 f64 f64 f64 f64 i32 i32 i32)))
  (import "modhost:mod/host@0.1.0" "positions-of" (func $positions_of (param i32 i32 i32)))
  (import "modhost:mod/host@0.1.0" "set-positions-of"
    (func $set_positions_of (param i32 i32 i32 i32 i32)))
  (import "modhost:mod/host@0.1.0" "emit" (func $emit (param i32 i32 i32 i32 i32)))
  (import "modhost:mod/host@0.1.0" "tick" (func $tick (result i64)))

  (memory (export "memory") 1)
  (data (i32.const 16) "beacon")                         ;; kind, 6 bytes
  (data (i32.const 32) "beacon online: 4 beacons at the corners")   ;; 39 bytes
  (data (i32.const 96) "beacon.pulse")                   ;; 12 bytes
  (data (i32.const 112) "{\"beacons\":4}")               ;; 13 bytes
  (data (i32.const 128) "light")                         ;; a tag, 5 bytes
  (data (i32.const 144) "\80\00\00\00\05\00\00\00")      ;; list<string> ["light"]: ptr 128, len 5

  ;; The heap for values the host hands in (event names, payloads, position lists).
  (global $heap (mut i32) (i32.const 4096))
  (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32)
                                (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
    (block $fits
      (br_if $fits (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $fits (i32.ne (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16))
                                                  (i32.const 1)))
                           (i32.const -1)))
      unreachable)
    (local.get $ptr))

  (func $spawn_at (param $x f64) (param $y f64)
    (call $spawn (i32.const 16) (i32.const 6)
                 (local.get $x) (local.get $y) (f64.const 0.5)
                 (f64.const 0) (f64.const 0) (f64.const 0)
                 (i32.const 144) (i32.const 1) (i32.const 256)))

  (func (export "init")
    (call $log (i32.const 32) (i32.const 39) (i32.const 256))
    (call $spawn_at (f64.const -9) (f64.const -9))
    (call $spawn_at (f64.const 9) (f64.const -9))
    (call $spawn_at (f64.const 9) (f64.const 9))
    (call $spawn_at (f64.const -9) (f64.const 9)))

  ;; Every tick: read all beacon positions in one host call, raise each by 1.5 units/s
  ;; (wrapping from 3.0 back to 0.5), and write them back in one host call.
  (func (export "on-tick") (param $dt f64)
    (local $ptr i32) (local $len i32) (local $i i32) (local $at i32) (local $z f32)
    (global.set $heap (i32.const 4096))
    (call $positions_of (i32.const 16) (i32.const 6) (i32.const 256))
    (if (i32.ne (i32.load8_u (i32.const 256)) (i32.const 0)) (then (return)))
    (local.set $ptr (i32.load (i32.const 260)))
    (local.set $len (i32.load (i32.const 264)))
    (local.set $i (i32.const 2))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $at (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $z (f32.add (f32.load (local.get $at))
                               (f32.demote_f64 (f64.mul (local.get $dt) (f64.const 1.5)))))
        (if (f32.gt (local.get $z) (f32.const 3)) (then (local.set $z (f32.const 0.5))))
        (f32.store (local.get $at) (local.get $z))
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        (br $next)))
    (call $set_positions_of (i32.const 16) (i32.const 6) (local.get $ptr) (local.get $len)
                            (i32.const 256))
    ;; Every two seconds at 60 Hz, tell everyone.
    (if (i64.eqz (i64.rem_u (call $tick) (i64.const 120)))
      (then (call $emit (i32.const 96) (i32.const 12) (i32.const 112) (i32.const 13)
                        (i32.const 256)))))

  (func (export "on-event") (param i32 i32 i32 i32))
)
