// A stand-in for an anywidget model, for the tests and demo.html: get/set/on/
// off/save_changes, with set firing "change:<name>" when the value changes.
export function createFakeModel(initial = {}) {
  const values = { ...initial };
  const listeners = new Map(); // event name -> Set of callbacks
  const model = {
    saved: [], // a copy of the values at each save_changes(), newest last
    get: (name) => values[name],
    set(name, value) {
      const unchanged = value === values[name] ||
        (typeof value === "object" && JSON.stringify(value) === JSON.stringify(values[name]));
      values[name] = value;
      if (unchanged) return;
      for (const callback of [...(listeners.get(`change:${name}`) ?? [])]) callback();
    },
    on(event, callback) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(callback);
    },
    off(event, callback) {
      if (callback) listeners.get(event)?.delete(callback);
      else listeners.delete(event);
    },
    save_changes() {
      model.saved.push({ ...values });
    },
    listenerCount: () => [...listeners.values()].reduce((total, set) => total + set.size, 0),
  };
  return model;
}
