// The protobufjs root holding the LLB schema; other packages (the gateway) parse their own
// schemas into this same root so that their messages can reference pb.Definition.
import protobuf from "protobufjs";
import Long from "long";
import { opsProto } from "./ops-proto.js";

// int64 fields (timestamps in ns, sizes) exceed 2^53: protobufjs must use Long, explicitly,
// because bundlers cannot always see its optional require.
protobuf.util.Long = Long;
protobuf.configure();

export const root = protobuf.parse(opsProto, { keepCase: true }).root;

export const OpType = root.lookupType("pb.Op");
export const DefinitionType = root.lookupType("pb.Definition");
