// The LLBBridge messages the frontend uses (frontend/gateway/pb/gateway.proto and the messages it
// imports), parsed into the LLB root so they can reference pb.Definition, pb.Platform, pb.Range.
// Result is complete (attestations included) because results are returned as received.
import protobuf from "protobufjs";
import { protoRoot } from "../../llb/index.js";

// One schema per package: protobufjs takes a single package statement per parse.
const schemas = [
  `syntax = "proto3"; package google.protobuf;
message Any { string type_url = 1; bytes value = 2; }
`,
  `syntax = "proto3"; package google.rpc;
message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
`,
  `syntax = "proto3"; package moby.buildkit.v1.apicaps;
message APICap {
  string ID = 1; bool Enabled = 2; bool Deprecated = 3; string DisabledReason = 4;
  string DisabledReasonMsg = 5; string DisabledAlternative = 6;
}
`,
  `syntax = "proto3"; package moby.buildkit.v1.types;
message WorkerRecord {
  string ID = 1; map<string, string> Labels = 2; repeated pb.Platform platforms = 3;
  repeated GCPolicy GCPolicy = 4; BuildkitVersion BuildkitVersion = 5;
}
message GCPolicy { bool all = 1; int64 keepDuration = 2; repeated string filters = 4; int64 reservedSpace = 3; int64 maxUsedSpace = 5; int64 minFreeSpace = 6; }
message BuildkitVersion { string package = 1; string version = 2; string revision = 3; string dockerfileVersion = 4; }
`,
  `syntax = "proto3"; package fsutil.types;
message Stat {
  string path = 1; uint32 mode = 2; uint32 uid = 3; uint32 gid = 4; int64 size = 5; int64 modTime = 6;
  string linkname = 7; int64 devmajor = 8; int64 devminor = 9; map<string, bytes> xattrs = 10;
}
`,
  `syntax = "proto3"; package moby.buildkit.v1.frontend;
message Result {
  oneof result { string refDeprecated = 1; RefMapDeprecated refsDeprecated = 2; Ref ref = 3; RefMap refs = 4; }
  map<string, bytes> metadata = 10;
  map<string, Attestations> attestations = 12;
}
message RefMapDeprecated { map<string, string> refs = 1; }
message Ref { string id = 1; pb.Definition def = 2; }
message RefMap { map<string, Ref> refs = 1; }
message Attestations { repeated Attestation attestation = 1; }
message Attestation {
  AttestationKind kind = 1; map<string, bytes> metadata = 2; Ref ref = 3; string path = 4;
  string inTotoPredicateType = 5; repeated InTotoSubject inTotoSubjects = 6;
}
enum AttestationKind { InToto = 0; Bundle = 1; }
message InTotoSubject { InTotoSubjectKind kind = 1; repeated string digest = 2; string name = 3; }
enum InTotoSubjectKind { Self = 0; Raw = 1; }
message ReturnRequest { Result result = 1; google.rpc.Status error = 2; }
message ReturnResponse {}
message InputsRequest {}
message InputsResponse { map<string, pb.Definition> Definitions = 1; }
message ResolveImageConfigRequest {
  string Ref = 1; pb.Platform Platform = 2; string ResolveMode = 3; string LogName = 4;
  int32 ResolverType = 5; string SessionID = 6; string StoreID = 7;
}
message ResolveImageConfigResponse { string Digest = 1; bytes Config = 2; string Ref = 3; }
message SolveRequest {
  pb.Definition Definition = 1; string Frontend = 2; map<string, string> FrontendOpt = 3;
  bool allowResultReturn = 5; bool allowResultArrayRef = 6; bool Final = 10; bytes ExporterAttr = 11;
  repeated CacheOptionsEntry CacheImports = 12; map<string, pb.Definition> FrontendInputs = 13; bool Evaluate = 14;
}
message CacheOptionsEntry { string Type = 1; map<string, string> Attrs = 2; }
message SolveResponse { string ref = 1; Result result = 3; }
message ReadFileRequest { string Ref = 1; string FilePath = 2; FileRange Range = 3; int32 MountIndex = 4; }
message FileRange { int64 Offset = 1; int64 Length = 2; }
message ReadFileResponse { bytes Data = 1; }
message ReadDirRequest { string Ref = 1; string DirPath = 2; string IncludePattern = 3; int32 MountIndex = 4; }
message ReadDirResponse { repeated fsutil.types.Stat entries = 1; }
message StatFileRequest { string Ref = 1; string Path = 2; int32 MountIndex = 3; }
message StatFileResponse { fsutil.types.Stat stat = 1; }
message PingRequest {}
message PongResponse {
  repeated moby.buildkit.v1.apicaps.APICap FrontendAPICaps = 1;
  repeated moby.buildkit.v1.apicaps.APICap LLBCaps = 2;
  repeated moby.buildkit.v1.types.WorkerRecord Workers = 3;
}
message WarnRequest {
  string digest = 1; int64 level = 2; bytes short = 3; repeated bytes detail = 4; string url = 5;
  pb.SourceInfo info = 6; repeated pb.Range ranges = 7;
}
message WarnResponse {}
`,
];

for (const schema of schemas) protobuf.parse(schema, protoRoot, { keepCase: true });
protoRoot.resolveAll();

export function gatewayType(name: string): protobuf.Type {
  return protoRoot.lookupType(name);
}

export const StatusType = gatewayType("google.rpc.Status");
