// The pulse mod: a WebAssembly component written in JavaScript, built with componentize-js.
//
// One "pulse" entity bobs above the arena's centre. Imports come from the WIT host interface
// (modhost:mod/host@0.1.0); exports are init, onTick and onEvent (world mod). A refused host
// call throws, carrying the host-error { code, message }.
//
// Build (from the repository root): make components-js
import { log, positionsOf, setPositionsOf, spawn } from "modhost:mod/host@0.1.0";

const KIND = "pulse";
let time = 0;

export function init() {
  log("pulse online, written in JavaScript");
  spawn(KIND, { x: 0, y: 0, z: 0.5 }, { x: 0, y: 0, z: 0 }, ["js"]);
}

export function onTick(dt) {
  time += dt;
  const flat = positionsOf(KIND); // every pulse in one host call
  for (let i = 2; i < flat.length; i += 3) {
    flat[i] = 0.5 + Math.abs(Math.sin(time * 2));
  }
  setPositionsOf(KIND, flat); // and back in one host call
}

export function onEvent(name, payload) {
  if (name === "coin.collected") {
    log(`pulse saw a pickup: ${payload}`);
  }
}
