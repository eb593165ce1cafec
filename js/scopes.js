// Nested groups: which scopes are collapsed after a click on one.
//
// A scope (a vg.scope or a PyTorch module) may hold other scopes; each scope in
// `graph.scopes` names the id of the scope it is in (`parent`). Expanding a scope
// opens one level: the scopes directly inside it start collapsed.

// The collapsed scope names after the scope `scope` is clicked: expanded (with the
// scopes directly inside it collapsed) when it was collapsed, collapsed otherwise.
export function toggledScopes(scopes, collapsedNames, scope) {
  const collapsed = new Set(collapsedNames);
  if (collapsed.has(scope.name)) {
    collapsed.delete(scope.name);
    for (const inner of scopes) if (inner.parent === scope.id) collapsed.add(inner.name);
  } else {
    collapsed.add(scope.name);
  }
  const known = scopes.map((s) => s.name);
  return [...known.filter((name) => collapsed.has(name)),
    ...[...collapsed].filter((name) => !known.includes(name))];
}
