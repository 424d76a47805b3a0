// Loads api/podbgp.proto at run time with protobufjs and turns its PodBgp service into the
// grpc-js ServiceDefinition that both the server and the client use. Messages cross the wire as
// protobuf; in JavaScript they are plain objects with camelCase field names, where an absent
// proto3 `optional` field reads as null (the records of daemon-api.ts use null for "unknown").
//
// In: the .proto file next to this one. Out: SERVICE (grpc-js definition) and the method names,
// and DEFAULT_API_SOCKET, where the server listens and the client connects unless told otherwise.
import { fileURLToPath } from 'node:url';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

export const PROTO_PATH = fileURLToPath(new URL('./podbgp.proto', import.meta.url));
export const SERVICE_NAME = 'podbgp.v1.PodBgp';

/** Where `podbgp run` listens and the CLI connects unless told otherwise. */
export const DEFAULT_API_SOCKET = '/run/podbgp/podbgp.sock';

const root = protobuf.loadSync(PROTO_PATH);
const service = root.lookupService(SERVICE_NAME);

/** Plain object with nulls for absent optional fields, recursively; repeated fields always arrays. */
function toPlain(type: protobuf.Type, msg: protobuf.Message): Record<string, unknown> {
  const o = type.toObject(msg, { longs: Number, defaults: true, arrays: true }) as Record<string, unknown>;
  return fill(type, o);
}

/** Fields in .proto order (stable JSON output); absent optional fields null, repeated ones []. */
function fill(type: protobuf.Type, o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    const v = o[f.name];
    const sub = f.resolvedType instanceof protobuf.Type ? f.resolvedType : null;
    if (v === undefined || v === null) out[f.name] = f.repeated ? [] : null;
    else if (sub !== null && f.repeated)
      out[f.name] = (v as Record<string, unknown>[]).map((x) => fill(sub, x));
    else if (sub !== null) out[f.name] = fill(sub, v as Record<string, unknown>);
    else out[f.name] = v;
  }
  return out;
}

function serializer(type: protobuf.Type): (o: object) => Buffer {
  return (o) => {
    const bytes = type.encode(type.fromObject(o as Record<string, unknown>)).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(type: protobuf.Type): (b: Buffer) => Record<string, unknown> {
  return (b) => toPlain(type, type.decode(b));
}

function definition(): ServiceDefinition {
  const def: Record<string, MethodDefinition<object, object>> = {};
  for (const m of service.methodsArray) {
    m.resolve();
    const req = m.resolvedRequestType!;
    const res = m.resolvedResponseType!;
    def[m.name] = {
      path: `/${SERVICE_NAME}/${m.name}`,
      requestStream: m.requestStream === true,
      responseStream: m.responseStream === true,
      requestSerialize: serializer(req),
      requestDeserialize: deserializer(req),
      responseSerialize: serializer(res),
      responseDeserialize: deserializer(res),
      originalName: m.name,
    };
  }
  return def as ServiceDefinition;
}

/** The PodBgp service for grpc-js (server.addService, makeGenericClientConstructor). */
export const SERVICE: ServiceDefinition = definition();
