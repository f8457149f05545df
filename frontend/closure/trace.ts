// The tracer's JSON Lines log, and which of its events count: by default only the process
// trees of the entries, from the moment a process (or an ancestor) successfully execs one.

/** Fields common to the events of one system call on a path. */
interface PathEvent {
  pid: number;
  ppid: number;
  /** The process's executable when the call was made. */
  exe: string;
  syscall: string;
  /**
   * The path as the program passed it; null when the tracer could not read it. Bytes that are not
   * valid UTF-8 come as lone surrogates \udcXX, which the closure keeps as they are: its RootFS
   * turns them back into the bytes (fs.ts pathBytes), and the plan and manifest carry them so.
   */
  path: string | null;
  /** The path made absolute and lexically normalised by the tracer; null when unknown. */
  abs: string | null;
  /** 0 or more on success, -errno on failure. */
  result: number;
  errno?: string;
}

export interface ExecEvent extends PathEvent {
  type: "exec";
  argv: string[];
}

export interface FileEvent extends PathEvent {
  type: "file";
  /** Open flags, AT_ flags or, for the access family, the access mode. */
  flags?: number;
  /** The second path of rename-like calls. */
  abs2?: string | null;
}

export interface SpawnEvent {
  type: "spawn";
  pid: number;
  ppid: number;
  exe: string;
  kind: "fork" | "vfork" | "clone" | "thread";
  tgid?: number;
}

export interface ExitEvent {
  type: "exit";
  pid: number;
  code?: number;
  signal?: string;
}

export interface EndEvent {
  type: "end";
  status: number;
  timedOut: boolean;
  rootPid: number;
}

export type TraceEvent = ExecEvent | SpawnEvent | FileEvent | ExitEvent | EndEvent;

const TYPES = new Set(["exec", "spawn", "file", "exit", "end"]);

export function parseTrace(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  text.split("\n").forEach((line, index) => {
    const event = parseLine(line, index + 1);
    if (event) events.push(event);
  });
  return events;
}

/** The events of a log read line by line (a stream: logs of millions of events are never whole). */
export async function* parseTraceLines(lines: AsyncIterable<string>): AsyncGenerator<TraceEvent> {
  let number = 0;
  for await (const line of lines) {
    const event = parseLine(line, ++number);
    if (event) yield event;
  }
}

function parseLine(line: string, number: number): TraceEvent | undefined {
  if (line.trim() === "") return undefined;
  let event: { type?: unknown };
  try {
    event = JSON.parse(line);
  } catch (error) {
    throw new Error(`trace line ${number}: ${(error as Error).message}`);
  }
  if (!TYPES.has(event.type as string)) throw new Error(`trace line ${number}: unknown event type ${JSON.stringify(event.type)}`);
  return event as TraceEvent;
}

/**
 * The exec and file events that count, each kind of access once. `isEntry` says whether a
 * successfully exec'ed path is one of the entries (the caller resolves symlinks inside the root).
 * A program that opens the same file a million times gives one event: what the closure does with
 * an event depends only on the fields in its key, and the process ids only name one of them.
 */
export async function countedEvents(
  events: Iterable<TraceEvent> | AsyncIterable<TraceEvent>,
  isEntry: (abs: string) => Promise<boolean>,
  wholeTrace: boolean,
): Promise<Array<ExecEvent | FileEvent>> {
  const counted = new Set<number>();
  const seen = new Set<string>();
  const kept: Array<ExecEvent | FileEvent> = [];
  for await (const event of events) {
    // Each log ends with its end event, and the next one's pids are another pid namespace's: a
    // wrapper shell there may have the pid an entry had here.
    if (event.type === "end") counted.clear();
    if (event.type === "spawn" && counted.has(event.ppid)) counted.add(event.pid);
    if (event.type === "exec" && event.result === 0 && event.abs !== null && !counted.has(event.pid) && (await isEntry(event.abs))) {
      counted.add(event.pid);
    }
    if ((event.type === "exec" || event.type === "file") && (wholeTrace || counted.has(event.pid))) {
      const key = eventKey(event);
      if (seen.has(key)) continue;
      seen.add(key);
      kept.push(event);
    }
  }
  return kept;
}

function eventKey(e: ExecEvent | FileEvent): string {
  const flags = e.type === "file" ? (e.flags ?? "") : "";
  return `${e.type}\0${e.syscall}\0${e.abs}\0${e.result >= 0}\0${flags}\0${e.exe}`;
}
