// The toolbar's own storage. A browser that blocks third-party cookies also denies storage to
// a toolbar embedded in another site's page (reading localStorage throws); the toolbar then
// keeps what it would have stored in memory, for this page's life, and says so.

export function keptIn(kind) {
  try {
    const storage = window[kind];
    const probe = "agentbar.probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return { storage, persistent: true };
  } catch {
    return { storage: inMemory(), persistent: false };
  }
}

function inMemory() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}
