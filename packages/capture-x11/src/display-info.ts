/** Extension names from `xdpyinfo` (the indented list after "number of extensions:"). */
export function parseExtensions(xdpyinfo: string): string[] {
  const lines = xdpyinfo.split('\n');
  const start = lines.findIndex((l) => /^number of extensions:/.test(l));
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    names.push(line.trim());
  }
  return names;
}
