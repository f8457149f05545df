// The source's USER as BuildKit resolves it for RUN (moby/sys/user GetExecUser), as numbers.
import { describe, expect, it } from "vitest";
import { resolveUser } from "../../frontend/source/user.js";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\n\napp:x:1000:1001::/home/app:/bin/sh\nshadow:x:1000:7::/:/bin/sh\n";
const GROUP = "root:x:0:\nstaff:x:50:app\napp:x:1001:\n";

describe("resolveUser", () => {
  it("takes uid:gid (and root) as they are, without reading the files", () => {
    expect(resolveUser("1000:50", undefined, undefined)).toEqual({ uid: 1000, gid: 50 });
    expect(resolveUser("root:root", undefined, undefined)).toEqual({ uid: 0, gid: 0 });
  });

  it("looks a name or a uid up in /etc/passwd (first match), its gid from the entry", () => {
    expect(resolveUser("app", PASSWD, GROUP)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser("1000", PASSWD, GROUP)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser("shadow", PASSWD, GROUP)).toEqual({ uid: 1000, gid: 7 });
  });

  it("gives a uid with no entry gid 0", () => {
    expect(resolveUser("4242", PASSWD, GROUP)).toEqual({ uid: 4242, gid: 0 });
  });

  it("takes an explicit group by name or gid, a gid with no entry as it is", () => {
    expect(resolveUser("app:staff", PASSWD, GROUP)).toEqual({ uid: 1000, gid: 50 });
    expect(resolveUser("4242:staff", PASSWD, GROUP)).toEqual({ uid: 4242, gid: 50 });
    expect(resolveUser("app:77", PASSWD, GROUP)).toEqual({ uid: 1000, gid: 77 });
  });

  it("refuses names that are not there", () => {
    expect(() => resolveUser("nobody2", PASSWD, GROUP)).toThrow("USER nobody2: no user nobody2 in the source's /etc/passwd");
    expect(() => resolveUser("app:wheel", PASSWD, GROUP)).toThrow("USER app:wheel: no group wheel in the source's /etc/group");
    expect(() => resolveUser("app", undefined, undefined)).toThrow("no user app");
  });
});
