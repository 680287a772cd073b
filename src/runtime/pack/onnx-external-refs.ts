/**
 * Which external-data files an ONNX graph refers to, read from its bytes without decoding the whole
 * model: a few dozen lines of protobuf wire-format walking instead of a protobuf library in the worker.
 *
 * A tensor stored outside the graph (TensorProto.data_location = EXTERNAL) carries
 * `external_data: [{key: "location", value: "weights.pb"}, {key: "offset"}, {key: "length"}]`. The
 * location is what onnxruntime-web matches against the `path` of each `externalData` session option,
 * so knowing it exactly means we mount exactly the files the graph needs, and can say which one is
 * missing before onnxruntime fails with a generic message. Large raw_data fields are skipped by their
 * length prefix, so scanning a 1.7 GB graph with embedded weights touches only the field headers.
 */

export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

// Field numbers from onnx.proto3.
const MODEL_GRAPH = 7;
const MODEL_FUNCTIONS = 25;
const FUNCTION_NODE = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE_ATTRIBUTE = 5;
const ATTR_T = 5;
const ATTR_G = 6;
const ATTR_TENSORS = 10;
const ATTR_GRAPHS = 11;
const ATTR_SPARSE_TENSOR = 22;
const ATTR_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

interface Field {
  number: number;
  wire: number;
  /** Payload bounds of a length-delimited field. */
  start: number;
  end: number;
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  private varint(pos: number): [value: number, next: number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.bytes.length) this.corrupt();
      const b = this.bytes[pos++] as number;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return [value, pos];
    }
    return this.corrupt();
  }

  private corrupt(): never {
    throw new OnnxFormatError(`${this.what} is not a valid ONNX file (truncated or corrupt protobuf). Download it again.`);
  }

  /** The fields of the message in bytes [start, end). */
  *fields(start: number, end: number): Generator<Field> {
    let pos = start;
    while (pos < end) {
      const [tag, afterTag] = this.varint(pos);
      const number = Math.floor(tag / 8);
      const wire = tag % 8;
      let payloadStart = afterTag;
      let payloadEnd: number;
      switch (wire) {
        case 0:
          payloadEnd = this.varint(afterTag)[1];
          break;
        case 1:
          payloadEnd = afterTag + 8;
          break;
        case 2: {
          const [len, afterLen] = this.varint(afterTag);
          payloadStart = afterLen;
          payloadEnd = afterLen + len;
          break;
        }
        case 5:
          payloadEnd = afterTag + 4;
          break;
        default:
          return this.corrupt();
      }
      if (payloadEnd > end || number === 0) this.corrupt();
      yield { number, wire, start: payloadStart, end: payloadEnd };
      pos = payloadEnd;
    }
  }

  text(f: Field): string {
    return new TextDecoder().decode(this.bytes.subarray(f.start, f.end));
  }
}

/**
 * The distinct `location` values of every external tensor in the model (initializers, sparse
 * initializers, Constant-node tensors, subgraphs of If/Loop/Scan, local functions), in first-seen order.
 * An empty list means all weights are inside the .onnx file.
 */
export function externalDataLocations(model: Uint8Array, what = 'the model'): string[] {
  const r = new Reader(model, what);
  const found = new Set<string>();
  const messages = (f: Field, number: number) => f.wire === 2 && f.number === number;

  const tensor = (start: number, end: number): void => {
    for (const f of r.fields(start, end)) {
      if (!messages(f, TENSOR_EXTERNAL_DATA)) continue;
      let key = '';
      let value = '';
      for (const e of r.fields(f.start, f.end)) {
        if (messages(e, ENTRY_KEY)) key = r.text(e);
        else if (messages(e, ENTRY_VALUE)) value = r.text(e);
      }
      if (key === 'location' && value) found.add(value);
    }
  };
  const sparse = (start: number, end: number): void => {
    for (const f of r.fields(start, end)) {
      if (messages(f, SPARSE_VALUES) || messages(f, SPARSE_INDICES)) tensor(f.start, f.end);
    }
  };
  const node = (start: number, end: number): void => {
    for (const f of r.fields(start, end)) {
      if (!messages(f, NODE_ATTRIBUTE)) continue;
      for (const a of r.fields(f.start, f.end)) {
        if (a.wire !== 2) continue;
        if (a.number === ATTR_T || a.number === ATTR_TENSORS) tensor(a.start, a.end);
        else if (a.number === ATTR_G || a.number === ATTR_GRAPHS) graph(a.start, a.end);
        else if (a.number === ATTR_SPARSE_TENSOR || a.number === ATTR_SPARSE_TENSORS) sparse(a.start, a.end);
      }
    }
  };
  const graph = (start: number, end: number): void => {
    for (const f of r.fields(start, end)) {
      if (messages(f, GRAPH_INITIALIZER)) tensor(f.start, f.end);
      else if (messages(f, GRAPH_NODE)) node(f.start, f.end);
      else if (messages(f, GRAPH_SPARSE_INITIALIZER)) sparse(f.start, f.end);
    }
  };

  let sawGraph = false;
  for (const f of r.fields(0, model.length)) {
    if (messages(f, MODEL_GRAPH)) {
      sawGraph = true;
      graph(f.start, f.end);
    } else if (messages(f, MODEL_FUNCTIONS)) {
      for (const g of r.fields(f.start, f.end)) if (messages(g, FUNCTION_NODE)) node(g.start, g.end);
    }
  }
  if (!sawGraph) throw new OnnxFormatError(`${what} has no graph: is it an ONNX model file?`);
  return [...found];
}
