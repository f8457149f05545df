// SourceOp vertices: images, local directories from the client session.
import type { InputRef, MarshalContext, OpOptions, Platform, Vertex } from "./vertex.js";

export class SourceVertex implements Vertex {
  constructor(
    readonly identifier: string,
    readonly attrs: Record<string, string>,
    readonly caps: string[],
    readonly options: OpOptions,
    readonly platform?: Platform,
  ) {}

  marshal(ctx: MarshalContext, index: number): InputRef {
    const op: Record<string, unknown> = { source: { identifier: this.identifier, attrs: this.attrs } };
    if (this.platform) op.platform = this.platform;
    return { digest: ctx.addOp(op, this.caps, this.options), index };
  }
}

export interface ImageOptions extends OpOptions {
  platform?: Platform;
  /** `default` prefers a local image on Docker's classic store; `pull`, `local`. */
  resolveMode?: "default" | "pull" | "local";
}

export function imageVertex(ref: string, opts: ImageOptions): SourceVertex {
  const attrs: Record<string, string> = {};
  const caps = ["source.image"];
  if (opts.resolveMode && opts.resolveMode !== "default") {
    attrs["image.resolvemode"] = opts.resolveMode;
    caps.push("source.image.resolvemode");
  }
  return new SourceVertex(`docker-image://${normalizeImageRef(ref)}`, attrs, caps, opts, opts.platform);
}

export interface LocalOptions extends OpOptions {
  sessionId?: string;
  sharedKeyHint?: string;
  followPaths?: string[];
  includePatterns?: string[];
  excludePatterns?: string[];
  differ?: "none" | "metadata";
}

export function localVertex(name: string, opts: LocalOptions): SourceVertex {
  const attrs: Record<string, string> = {};
  const caps = ["source.local"];
  const set = (key: string, value: string | undefined, cap: string) => {
    if (value === undefined) return;
    attrs[key] = value;
    caps.push(cap);
  };
  set("local.session", opts.sessionId, "source.local.sessionid");
  set("local.sharedkeyhint", opts.sharedKeyHint, "source.local.sharedkeyhint");
  set("local.followpaths", json(opts.followPaths), "source.local.followpaths");
  set("local.includepattern", json(opts.includePatterns), "source.local.includepatterns");
  set("local.excludepatterns", json(opts.excludePatterns), "source.local.excludepatterns");
  if (opts.differ) attrs["local.differ"] = opts.differ;
  return new SourceVertex(`local://${name}`, attrs, caps, opts);
}

function json(list: string[] | undefined): string | undefined {
  return list && JSON.stringify(list);
}

/** `alpine` → `docker.io/library/alpine:latest`, as the Docker reference grammar normalises. */
export function normalizeImageRef(ref: string): string {
  const slash = ref.indexOf("/");
  const first = slash < 0 ? "" : ref.slice(0, slash);
  const hasDomain = first.includes(".") || first.includes(":") || first === "localhost";
  let name = hasDomain ? ref : `docker.io/${slash < 0 ? "library/" : ""}${ref}`;
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  if (!lastPart.includes(":") && !name.includes("@")) name += ":latest";
  return name;
}
