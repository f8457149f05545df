// The tracer's log where ptrace was unavailable (--unavailable-ok): its only line says why, and
// the command did not run.

/** Why the command could not be traced, "call: error: reason", when `line` is that line. */
export function unavailableLine(line: string): string | undefined {
  if (!line.includes('"type":"unavailable"')) return undefined;
  const event = JSON.parse(line) as { type: string; call: string; error: string; reason: string };
  return event.type === "unavailable" ? `${event.call}: ${event.error}: ${event.reason}` : undefined;
}

/** Why the commands of these logs could not be traced, if one could not. */
export function unavailableReason(logs: string[]): string | undefined {
  for (const text of logs) {
    const reason = unavailableLine(text.split("\n", 1)[0] ?? "");
    if (reason !== undefined) return reason;
  }
  return undefined;
}
