// Plugin directories: modules a program loads by name at run time (an ImageMagick coder per image
// format, a PAM module per pam.d line, a GIO module per extension point). The trace loading one
// module (a .so: reading a directory's cache is not loading) means another input loads another
// one, so the directory (group 1 of the family's pattern) is kept whole, each module with its ELF
// closure, plus the family's configuration. A program's own extension directory beside the C
// library (gawk's <libdir>/gawk/*.so, loaded by `gawk -l NAME`) is kept whenever the program is.
import { basename } from "../fs.js";
import { expandGlob } from "../glob.js";
import type { RuleContext } from "./context.js";

interface PluginFamily {
  /** Matches a module the trace loaded; group 1 is the directory kept. */
  module: RegExp;
  /** Configuration the modules read, as globs. */
  config?: string[];
}

const FAMILIES: PluginFamily[] = [
  // lib/ImageMagick-6.9.11/{modules-Q16/{coders,filters},config-Q16}
  { module: /^(.*\/ImageMagick-[^/]+)\/modules-[^/]+\/(?:coders|filters)\/[^/]+\.so$/, config: ["/etc/ImageMagick-*/**", "/usr/share/ImageMagick-*/**"] },
  { module: /^(.*\/GraphicsMagick-[^/]+)\/modules-[^/]+\/(?:coders|filters)\/[^/]+\.so$/, config: ["/etc/GraphicsMagick*/**", "/usr/share/GraphicsMagick-*/**"] },
  // gdk-pixbuf-2.0/2.10.0/{loaders/,loaders.cache}
  { module: /^(.*\/gdk-pixbuf-2\.0\/[^/]+)\/loaders\/[^/]+\.so$/ },
  // gtk-3.0/3.0.0/{immodules,printbackends}, gtk-2.0/2.10.0/...
  { module: /^(.*\/gtk-[234]\.0\/[^/]+)\/(?:immodules|printbackends|engines)\/[^/]+\.so$/ },
  { module: /^(.*\/gio\/modules)\/[^/]+\.so$/ },
  { module: /^(.*\/gstreamer-1\.0)\/[^/]+\.so$/ },
  // qt5/plugins/<category>/: one category (platforms, imageformats, sqldrivers...) at a time
  { module: /^(.*\/qt[56]?\/plugins\/[^/]+)\/[^/]+\.so$/ },
  { module: /^(.*\/sasl2)\/[^/]+\.so[.0-9]*$/, config: ["/etc/sasl2/**"] },
  { module: /^(.*\/security)\/pam_[^/]+\.so$/, config: ["/etc/pam.conf", "/etc/pam.d/**", "/etc/security/**"] },
];

export async function pluginDirectories(context: RuleContext, libdirs: string[]): Promise<string[]> {
  const globs = new Set<string>();
  for (const name of new Set(context.programs.map(basename))) {
    for (const dir of libdirs) globs.add(`${dir}/${name}/*.so`);
  }
  for (const path of context.traced) {
    for (const family of FAMILIES) {
      const dir = family.module.exec(path)?.[1];
      if (dir === undefined || (await context.resolver.resolve(dir))?.stat.type !== "dir") continue;
      globs.add(`${dir}/**`);
      for (const glob of family.config ?? []) globs.add(glob);
    }
  }
  const paths: string[] = [];
  for (const glob of [...globs].sort()) paths.push(...(await expandGlob(context.resolver, glob)));
  return paths;
}
