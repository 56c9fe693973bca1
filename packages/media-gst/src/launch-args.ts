/**
 * Splits a pipeline description into gst-launch-1.0 arguments. gst-launch
 * escapes spaces inside each argument, so the description cannot be passed as
 * one string; double quotes group a value with spaces (`font-desc="Sans 24"`).
 */
export function launchArgs(description: string): string[] {
  const args: string[] = [];
  let current = '';
  let inQuotes = false;
  let hasToken = false;
  for (const ch of description) {
    if (ch === '"') {
      inQuotes = !inQuotes;
      hasToken = true;
    } else if (!inQuotes && /\s/.test(ch)) {
      if (hasToken) args.push(current);
      current = '';
      hasToken = false;
    } else {
      current += ch;
      hasToken = true;
    }
  }
  if (inQuotes) throw new Error('unbalanced quotes in pipeline description');
  if (hasToken) args.push(current);
  return args;
}
