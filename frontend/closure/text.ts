// Small text files (configuration) read through the resolver.
import type { Resolver } from "./resolve.js";

/** The file's text, or undefined when it does not exist or is not a regular file. */
export async function readText(resolver: Resolver, path: string): Promise<string | undefined> {
  const found = await resolver.resolve(path);
  if (found?.stat.type !== "file") return undefined;
  return Buffer.from(await resolver.fs.readFile(found.path)).toString("utf8");
}
