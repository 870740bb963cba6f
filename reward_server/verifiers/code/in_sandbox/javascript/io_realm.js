// The warm io runner's realm between tests (iorunner.js). Every test runs in the runner's
// own global scope, not in a vm context: in Node 18 every global lookup of code in a vm
// context goes through the context's interceptors, tens of times slower (a loop calling
// Math.max 2e7 times: 0.25 s in the main context, 15 s in a vm context), which would turn
// passing programs into time limits. So what a test changes in the shared realm (globals,
// builtin constructors and prototypes, the node modules it required) is put back before
// the next test, and what cannot be put back makes the runner ask for a fresh process.
"use strict";

const ReflectApply = Reflect.apply;
const { ownKeys, getOwnPropertyDescriptor, defineProperty, deleteProperty } = Reflect;
const { getPrototypeOf, setPrototypeOf, isExtensible } = Reflect;
const ObjectIs = Object.is;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const setHas = Set.prototype.has;
const setAdd = Set.prototype.add;
const setDelete = Set.prototype.delete;

// Intrinsics no global names: their methods are as much shared state as Array.prototype's.
function hiddenIntrinsics() {
  const proto = getPrototypeOf;
  const iter = (x) => proto(x[Symbol.iterator]());
  const gen = function* () {};
  const agen = async function* () {};
  const afn = async function () {};
  return [
    proto(gen),
    proto(gen).prototype,
    proto(agen),
    proto(agen).prototype,
    proto(proto(agen).prototype),
    proto(afn),
    iter([]),
    proto(iter([])),
    iter(""),
    iter(new Map()),
    iter(new Set()),
    proto(/a/[Symbol.matchAll]("a")),
  ];
}

function isObject(x) {
  return (typeof x === "object" && x !== null) || typeof x === "function";
}

function sameDescriptor(a, b) {
  return (
    a !== undefined &&
    ObjectIs(a.value, b.value) &&
    a.get === b.get &&
    a.set === b.set &&
    a.writable === b.writable &&
    a.enumerable === b.enumerable &&
    a.configurable === b.configurable
  );
}

const ACCESSOR = Symbol("accessor");

// Whether `o` has the same own keys, in the same order, with the same values as kept.
function unchanged(o, { keys, values, props }) {
  const now = ownKeys(o);
  if (now.length !== keys.length) return false;
  for (let j = 0; j < now.length; j++) {
    const key = now[j];
    if (key !== keys[j]) return false;
    if (values[j] === ACCESSOR) {
      const d = getOwnPropertyDescriptor(o, key);
      const base = ReflectApply(mapGet, props, [key]);
      if (d.get !== base.get || d.set !== base.set) return false;
    } else if (!ObjectIs(o[key], values[j])) {
      return false; // (a data property made an accessor reads as its getter's value)
    }
  }
  return true;
}

// Deletes what was added, redefines what changed; false when one of those failed.
function putBack(o, { props, keys }) {
  let ok = true;
  const now = ownKeys(o);
  for (let j = 0; j < now.length; j++) {
    const key = now[j];
    const base = ReflectApply(mapGet, props, [key]);
    if (base === undefined) {
      if (!deleteProperty(o, key)) ok = false;
    } else if (!sameDescriptor(getOwnPropertyDescriptor(o, key), base)) {
      if (!defineProperty(o, key, base)) ok = false;
    }
  }
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j];
    if (getOwnPropertyDescriptor(o, key) !== undefined) continue;
    if (!defineProperty(o, key, ReflectApply(mapGet, props, [key]))) ok = false;
  }
  return ok;
}

class Realm {
  // roots: the objects whose own properties, prototype and extensibility are kept; each
  // root's `prototype` and prototype chain are kept too.
  constructor(roots) {
    this.seen = new Set();
    this.entries = [];
    const all = [globalThis, ...hiddenIntrinsics(), ...roots];
    for (const key of ownKeys(globalThis)) {
      const d = getOwnPropertyDescriptor(globalThis, key);
      if (d && "value" in d && isObject(d.value)) all.push(d.value);
    }
    for (let i = 0; i < all.length; i++) this.add(all[i]);
  }

  // Starts keeping `obj` (and its prototype object and chain) as it is now.
  add(obj) {
    for (let o = obj; isObject(o) && !ReflectApply(setHas, this.seen, [o]); o = getPrototypeOf(o)) {
      ReflectApply(setAdd, this.seen, [o]);
      const props = new Map();
      const keys = ownKeys(o);
      const values = []; // a data property's value, or ACCESSOR
      for (let i = 0; i < keys.length; i++) {
        const d = getOwnPropertyDescriptor(o, keys[i]);
        ReflectApply(mapSet, props, [keys[i], d]);
        values[i] = "value" in d ? d.value : ACCESSOR;
      }
      this.entries.push({ o, proto: getPrototypeOf(o), extensible: isExtensible(o), props, keys, values });
      if (typeof o === "function") {
        const d = getOwnPropertyDescriptor(o, "prototype");
        if (d && isObject(d.value)) this.add(d.value);
      }
    }
  }

  // Puts every kept object back as it was; false when something could not be (a frozen
  // or non-extensible builtin, a non-configurable property a test added). The common case,
  // nothing changed, is checked by keys and values alone (a descriptor per property would
  // cost most of a millisecond per test); a change of attributes alone goes unseen.
  restore() {
    try {
      return this.restoreAll();
    } catch {
      return false; // a getter the program put on a builtin threw
    }
  }

  restoreAll() {
    let ok = true;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const o = entry.o;
      if (entry.extensible && !isExtensible(o)) ok = false;
      if (getPrototypeOf(o) !== entry.proto && !setPrototypeOf(o, entry.proto)) ok = false;
      if (!unchanged(o, entry) && !putBack(o, entry)) ok = false;
    }
    return ok;
  }

  has(obj) {
    return ReflectApply(setHas, this.seen, [obj]);
  }

  // Keeps `obj`'s own properties as they are now instead of as they were.
  retake(obj) {
    this.entries = this.entries.filter((entry) => entry.o !== obj);
    ReflectApply(setDelete, this.seen, [obj]);
    this.add(obj);
  }
}

// A realm taken by the zygote (zygote.js) before it forks, so that a runner forked from it
// need not walk every builtin again (~8 ms of CPU).
let prepared = null;

function prepareRealm(roots) {
  prepared = new Realm(roots);
}

// The runner's realm: the prepared one, with `process` taken again (the runner has added
// its listeners since, the zygote set pid and argv), or a new one.
function takeRealm(roots) {
  if (prepared === null) return new Realm(roots);
  const realm = prepared;
  prepared = null;
  realm.retake(process);
  return realm;
}

module.exports = { Realm, prepareRealm, takeRealm };
