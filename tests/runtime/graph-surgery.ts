/**
 * In-memory edits of the parity fixture models with onnx-proto: each variant wraps the original graph so
 * that it computes exactly the same function behind a different input/output signature (the shapes and
 * dtypes real exports disagree on). Nothing here is written to disk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// onnx-proto is CommonJS: Node's ESM loader only offers its default export at runtime.
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { PARITY_MODELS } from '../helpers/fixtures.js';

const { onnx } = onnxProto;
type ModelProto = OnnxTypes.ModelProto;
type NodeProto = OnnxTypes.INodeProto;
type GraphProto = OnnxTypes.GraphProto;

export type Part = 'text_encoder' | 'unet' | 'motion_unet' | 'vae_decoder';
export type Dim = number | string;

/** TensorProto.DataType values. */
export const ELEM = { float32: 1, int32: 6, int64: 7, float16: 10 } as const;
type ElemType = (typeof ELEM)[keyof typeof ELEM];

const INT64_MAX = 0x7fffffffffffffffn;
const fixtureBytes = new Map<Part, Uint8Array>();

/** The fixture model's bytes, read once per process. */
export function fixtureModel(part: Part): Uint8Array {
  let bytes = fixtureBytes.get(part);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(join(PARITY_MODELS, part, 'model.onnx')));
    fixtureBytes.set(part, bytes);
  }
  return bytes;
}

function valueInfo(name: string, elemType: ElemType, dims: readonly Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

type Attr = number | bigint | readonly number[];

function attribute(name: string, value: Attr) {
  const { AttributeType } = onnx.AttributeProto;
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...value] });
  return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: Number(value) });
}

function renameAll(
  graph: GraphProto,
  nodes: readonly NodeProto[],
  from: string,
  to: string,
  where: 'inputs' | 'outputs' | 'both',
): void {
  for (const node of nodes) {
    if (where !== 'outputs') node.input = (node.input ?? []).map((n) => (n === from ? to : n));
    if (where !== 'inputs') node.output = (node.output ?? []).map((n) => (n === from ? to : n));
  }
  for (const vi of graph.valueInfo) if (vi.name === from) vi.name = to;
}

/** A decoded copy of one fixture model plus helpers to wrap its inputs and outputs. */
export class GraphSurgery {
  readonly model: ModelProto;
  private counter = 0;
  private head: NodeProto[] = [];
  private tail: NodeProto[] = [];
  /** Nodes of the chain being built by replaceInput / replaceOutput. */
  private pending: NodeProto[] = [];

  constructor(part: Part) {
    this.model = onnx.ModelProto.decode(fixtureModel(part));
  }

  private get graph(): GraphProto {
    const g = this.model.graph;
    if (!g) throw new Error('model has no graph');
    return g as GraphProto;
  }

  private fresh(hint: string): string {
    return `gs_${hint}_${this.counter++}`;
  }

  /** An int64 initializer (1-D, or a scalar with `scalar`). */
  int64(values: readonly (number | bigint)[], scalar = false): string {
    const name = this.fresh('const');
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => {
      view.setBigInt64(i * 8, BigInt(v), true);
    });
    this.graph.initializer.push(
      onnx.TensorProto.create({ name, dataType: ELEM.int64, dims: scalar ? [] : [values.length], rawData: raw }),
    );
    return name;
  }

  /** Append a node to the chain being built (prepended to the graph for inputs, appended for outputs). */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    const output = this.fresh(opType.toLowerCase());
    const node = onnx.NodeProto.create({
      name: this.fresh(`node_${opType}`),
      opType,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    this.pending.push(node);
    return output;
  }

  /**
   * Replace graph input `name` by a new input of the same name with another dtype/shape; `build` turns the
   * new input into a tensor equal to what the original graph took, which then feeds every former use.
   */
  replaceInput(name: string, elemType: ElemType, dims: readonly Dim[], build: (input: string) => string): this {
    const g = this.graph;
    const index = g.input.findIndex((i) => i.name === name);
    if (index < 0) throw new Error(`no graph input ${name}`);
    const inner = this.fresh(`${name}_orig`);
    renameAll(g, [...this.head, ...g.node, ...this.tail], name, inner, 'inputs');
    g.input[index] = valueInfo(name, elemType, dims);
    this.pending = [];
    const result = build(name);
    this.op('Identity', [result]);
    const last = this.pending[this.pending.length - 1] as NodeProto;
    last.output = [inner];
    this.head.push(...this.pending);
    this.pending = [];
    return this;
  }

  /** Replace graph output `name` by a new output of the same name computed from the original one by `build`. */
  replaceOutput(name: string, elemType: ElemType, dims: readonly Dim[], build: (original: string) => string): this {
    const g = this.graph;
    const index = g.output.findIndex((o) => o.name === name);
    if (index < 0) throw new Error(`no graph output ${name}`);
    const inner = this.fresh(`${name}_orig`);
    renameAll(g, [...this.head, ...g.node, ...this.tail], name, inner, 'both');
    g.output[index] = valueInfo(name, elemType, dims);
    this.pending = [];
    const result = build(inner);
    this.op('Identity', [result]);
    const last = this.pending[this.pending.length - 1] as NodeProto;
    last.output = [name];
    this.tail.push(...this.pending);
    this.pending = [];
    return this;
  }

  /** Change the declared dims of an input (same function, e.g. a static batch). */
  setInputDims(name: string, dims: readonly Dim[]): this {
    const g = this.graph;
    const index = g.input.findIndex((i) => i.name === name);
    const old = g.input[index];
    if (!old) throw new Error(`no graph input ${name}`);
    g.input[index] = valueInfo(name, old.type?.tensorType?.elemType as ElemType, dims);
    return this;
  }

  /** Declare an extra graph input that the graph does not use. */
  addInput(name: string, elemType: ElemType, dims: readonly Dim[]): this {
    this.graph.input.push(valueInfo(name, elemType, dims));
    return this;
  }

  bytes(): Uint8Array {
    const g = this.graph;
    const original = g.node;
    g.node = [...this.head, ...original, ...this.tail];
    try {
      return onnx.ModelProto.encode(this.model).finish();
    } finally {
      g.node = original;
    }
  }
}

/** Cast `x` to `elemType`. */
export function cast(s: GraphSurgery, x: string, elemType: ElemType): string {
  return s.op('Cast', [x], { to: elemType });
}

// ---- The variants -------------------------------------------------------------------------------------
// Each takes the surgery to extend (to combine variants) or starts from the fixture; call .bytes() on it.

/** IDM with timestep float32 [batch] (or [1]): Cast to int64 and take element 0 as the scalar the graph wants. */
export function idmTimestepFloat(form: 'batch' | 'one', s = new GraphSurgery('unet')): GraphSurgery {
  return s.replaceInput('timestep', ELEM.float32, [form === 'batch' ? 'batch' : 1], (t) => {
    const ints = cast(s, t, ELEM.int64);
    return form === 'batch' ? s.op('Gather', [ints, s.int64([0], true)], { axis: 0 }) : s.op('Squeeze', [ints, s.int64([0])]);
  });
}

/** IDM with an int32 [batch] timestep. */
export function idmTimestepInt32Batch(s = new GraphSurgery('unet')): GraphSurgery {
  return s.replaceInput('timestep', ELEM.int32, ['batch'], (t) =>
    s.op('Gather', [cast(s, t, ELEM.int64), s.int64([0], true)], { axis: 0 }),
  );
}

/** A UNet whose timestep is float32 of rank 2 ([batch, 1]); the graph itself still works. */
export function idmTimestepRank2(s = new GraphSurgery('unet')): GraphSurgery {
  return s.replaceInput('timestep', ELEM.float32, ['batch', 1], (t) => {
    const flat = s.op('Squeeze', [t, s.int64([1])]);
    return s.op('Gather', [cast(s, flat, ELEM.int64), s.int64([0], true)], { axis: 0 });
  });
}

/** A UNet with a fixed text width: encoder_hidden_states [batch, 77, width], of which the first 32 are used. */
export function idmTextWidth(width: number, s = new GraphSurgery('unet')): GraphSurgery {
  return s.replaceInput('encoder_hidden_states', ELEM.float32, ['batch', 77, width], (text) =>
    s.op('Slice', [text, s.int64([0]), s.int64([32]), s.int64([2])]),
  );
}

/** The IDM with every batched input's batch fixed to `batch` (same graph otherwise). */
export function idmStaticBatch(batch: number, s = new GraphSurgery('unet')): GraphSurgery {
  return s.setInputDims('sample', [batch, 4, 'height', 'width']).setInputDims('encoder_hidden_states', [batch, 77, 32]);
}

/** The IDM with an extra input the graph does not use. */
export function idmExtraInput(s = new GraphSurgery('unet')): GraphSurgery {
  return s.addInput('added_cond_kwargs', ELEM.float32, ['batch', 8]);
}

/** VDM with timestep int64 rank-0 scalar: Cast to float and Unsqueeze to the [1] the graph wants. */
export function vdmTimestepInt64Scalar(s = new GraphSurgery('motion_unet')): GraphSurgery {
  return s.replaceInput('timestep', ELEM.int64, [], (t) => s.op('Unsqueeze', [cast(s, t, ELEM.float32), s.int64([0])]));
}

/** VDM with timestep float32 [batch]: keep the first element as [1]. */
export function vdmTimestepFloatBatch(s = new GraphSurgery('motion_unet')): GraphSurgery {
  return s.replaceInput('timestep', ELEM.float32, ['batch'], (t) => s.op('Slice', [t, s.int64([0]), s.int64([1]), s.int64([0])]));
}

/**
 * VDM taking its text per frame, [batch_frames, 77, 32] (diffusers >= 0.31 layout): inside, every F-th row
 * (F = sample.shape[2]) feeds the original per-video graph. Fed per video instead, it gets ceil(B/F) rows.
 */
export function vdmTextPerFrame(s = new GraphSurgery('motion_unet')): GraphSurgery {
  return s.replaceInput('encoder_hidden_states', ELEM.float32, ['batch_frames', 77, 32], (text) => {
    const shape = s.op('Shape', ['sample']);
    const frames = s.op('Gather', [shape, s.int64([2])], { axis: 0 });
    return s.op('Slice', [text, s.int64([0]), s.int64([INT64_MAX]), s.int64([0]), frames]);
  });
}

/** Text encoder with int32 (or float32, for a refusal) input_ids, cast to int64 inside. */
export function textEncoderIds(
  elemType: typeof ELEM.int32 | typeof ELEM.float32,
  dims: readonly Dim[] = ['batch', 77],
  s = new GraphSurgery('text_encoder'),
): GraphSurgery {
  return s.replaceInput('input_ids', elemType, dims, (ids) => cast(s, ids, ELEM.int64));
}

/** VAE decoder with float16 input and output (float32 inside). */
export function vaeFloat16(s = new GraphSurgery('vae_decoder')): GraphSurgery {
  return s
    .replaceInput('latent_sample', ELEM.float16, ['batch', 4, 'height', 'width'], (x) => cast(s, x, ELEM.float32))
    .replaceOutput('sample', ELEM.float16, ['batch', 3, 'out_height', 'out_width'], (y) => cast(s, y, ELEM.float16));
}

/** The VAE decoder with a fixed batch. */
export function vaeStaticBatch(batch: number, s = new GraphSurgery('vae_decoder')): GraphSurgery {
  return s.setInputDims('latent_sample', [batch, 4, 'height', 'width']);
}

/** IDM with float16 I/O: sample, timestep [batch] and text in float16, out_sample float16 (float32 inside). */
export function idmFloat16(s = new GraphSurgery('unet')): GraphSurgery {
  return s
    .replaceInput('sample', ELEM.float16, ['batch', 4, 'height', 'width'], (x) => cast(s, x, ELEM.float32))
    .replaceInput('timestep', ELEM.float16, ['batch'], (t) =>
      s.op('Gather', [cast(s, t, ELEM.int64), s.int64([0], true)], { axis: 0 }),
    )
    .replaceInput('encoder_hidden_states', ELEM.float16, ['batch', 77, 32], (x) => cast(s, x, ELEM.float32))
    .replaceOutput('out_sample', ELEM.float16, ['batch', 4, 'height', 'width'], (y) => cast(s, y, ELEM.float16));
}
