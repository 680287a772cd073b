/**
 * Prompt → the token ids the text encoder takes, from the pack's own tokenizer.json through
 * @huggingface/tokenizers (the maintained port of the Rust `tokenizers` library).
 *
 * The result equals transformers' CLIPTokenizer(padding="max_length", max_length=77, truncation=True),
 * what every SD pipeline feeds its text encoder: [BOS, tokens…, EOS, PAD…], at most maxLength − 2
 * prompt tokens, padded with the pack's pad id (SD1.5 pads with EOS = 49407, SD2-style tokenizers
 * with 0). The library does neither truncation nor padding, so both are done here.
 *
 * BOS/EOS: CLIP's tokenizer.json adds them in its post-processor (RobertaProcessing); a hand-made
 * tokenizer.json may use TemplateProcessing or no post-processor at all. We always encode without the
 * post-processor's special tokens and add BOS/EOS ourselves, so they are never doubled; at load time
 * we check that a post-processor which does add specials adds exactly the pack's BOS and EOS, so the
 * two conventions cannot silently disagree.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenizerSpec } from './pack/manifest.js';

export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

export interface EncodedPrompt {
  /** Exactly maxLength ids: BOS, prompt tokens, EOS, padding. */
  ids: number[];
  /** Whether prompt tokens were dropped to fit. */
  truncated: boolean;
  /** Prompt tokens before truncation, BOS and EOS not counted. */
  tokenCount: number;
  /** For the UI when truncated: how many tokens were dropped and which words. */
  warning?: string;
}

export interface PackTokenizerOptions {
  /** Parsed tokenizer_config.json, when the pack has one (model_max_length, bos/eos/pad tokens). */
  config?: unknown;
  /** The manifest's tokenizer ids and length; what is missing is derived from the tokenizer files. */
  spec?: Partial<TokenizerSpec>;
  /** Where the tokenizer came from, for messages (e.g. "sd15-animatediff/tokenizer/tokenizer.json"). */
  source?: string;
}

/** CLIP's special tokens, the fallback when neither the manifest nor the files name them. */
const CLIP_BOS = '<|startoftext|>';
const CLIP_EOS = '<|endoftext|>';
const DEFAULT_MAX_LENGTH = 77;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class PackTokenizer {
  readonly spec: Readonly<TokenizerSpec>;
  /** Whether tokenizer.json's post-processor itself adds BOS/EOS (CLIP's does). Informational. */
  readonly postProcessorAddsSpecials: boolean;

  private constructor(
    private readonly tokenizer: Tokenizer,
    spec: TokenizerSpec,
    addsSpecials: boolean,
  ) {
    this.spec = Object.freeze({ ...spec });
    this.postProcessorAddsSpecials = addsSpecials;
  }

  /** Build from a parsed tokenizer.json. Throws TokenizerError when it cannot be used. */
  static fromJson(tokenizerJson: unknown, options: PackTokenizerOptions = {}): PackTokenizer {
    const where = options.source ?? 'tokenizer.json';
    if (!isObj(tokenizerJson) || !isObj(tokenizerJson.model)) {
      throw new TokenizerError(
        `${where} is not a Hugging Face tokenizer.json (no "model" object). Use the file a "fast" tokenizer saves.`,
      );
    }
    const given = options.config === undefined ? {} : options.config;
    if (!isObj(given)) throw new TokenizerError(`${where}: tokenizer_config.json must be a JSON object.`);
    // The library maps unknown words of a WordLevel model through the config's unk_token, not the
    // model's own (tokenizers-rs uses model.unk_token): hand it the model's when the config has none.
    const model = tokenizerJson.model;
    const config: Obj =
      model.type === 'WordLevel' && typeof model.unk_token === 'string' && given.unk_token === undefined
        ? { ...given, unk_token: model.unk_token }
        : given;
    // The library requires these keys to be present (null when unused), as tokenizers-rs writes them.
    const json: Obj = {
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      added_tokens: [],
      ...tokenizerJson,
    };
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (error) {
      throw new TokenizerError(`${where} could not be loaded (${(error as Error).message}). Is it a complete tokenizer.json?`);
    }

    const probe = probePostProcessor(tokenizer);
    const tokenId = (value: unknown): number | undefined => {
      const content =
        typeof value === 'string' ? value : isObj(value) && typeof value.content === 'string' ? value.content : undefined;
      return content === undefined ? undefined : tokenizer.token_to_id(content);
    };
    const spec = options.spec ?? {};
    const bos = spec.bos ?? probe?.prefix[0] ?? tokenId(config.bos_token) ?? tokenizer.token_to_id(CLIP_BOS);
    const eos = spec.eos ?? probe?.suffix[0] ?? tokenId(config.eos_token) ?? tokenizer.token_to_id(CLIP_EOS);
    if (bos === undefined || eos === undefined) {
      throw new TokenizerError(
        `${where}: cannot tell the start and end token ids (no post-processor adds them and tokenizer_config.json names none). Set tokenizer.bos and tokenizer.eos in the manifest.`,
      );
    }
    // CLIPTokenizer's default pad token is "<|endoftext|>", i.e. EOS.
    const pad = spec.pad ?? tokenId(config.pad_token) ?? eos;
    const configured = config.model_max_length;
    const maxLength =
      spec.maxLength ??
      // Configs of tokenizers without a limit hold a huge sentinel (1e30): ignore such values.
      (typeof configured === 'number' && Number.isInteger(configured) && configured >= 2 && configured <= 4096
        ? configured
        : DEFAULT_MAX_LENGTH);
    if (!Number.isInteger(maxLength) || maxLength < 2) {
      throw new TokenizerError(`${where}: max length ${maxLength} leaves no room for the start and end tokens.`);
    }

    if (probe && (probe.prefix.length > 0 || probe.suffix.length > 0)) {
      const adds = `[${probe.prefix.join(', ')}] … [${probe.suffix.join(', ')}]`;
      if (probe.prefix.length !== 1 || probe.suffix.length !== 1 || probe.prefix[0] !== bos || probe.suffix[0] !== eos) {
        throw new TokenizerError(
          `${where}: its post-processor adds ${adds} around a prompt, but the pack says BOS = ${bos} and EOS = ${eos}. Fix tokenizer.bos/eos in the manifest or the post_processor in tokenizer.json so they agree.`,
        );
      }
    }
    return new PackTokenizer(tokenizer, { maxLength, bos, eos, pad }, probe !== null && probe.prefix.length > 0);
  }

  /** The prompt's tokens without BOS/EOS, untruncated. */
  promptTokens(text: string): number[] {
    const { ids, tokens } = this.tokenizer.encode(text, { add_special_tokens: false });
    const bad = ids.findIndex((id) => !Number.isInteger(id));
    if (bad >= 0) {
      throw new TokenizerError(
        `"${tokens[bad]}" is not in the tokenizer's vocabulary and the tokenizer has no unknown token. Remove that word, or use a tokenizer.json with an unk_token.`,
      );
    }
    return ids;
  }

  /** [BOS, tokens…, EOS, PAD…] of exactly maxLength ids; an empty prompt gives [BOS, EOS, PAD…]. */
  encodeForModel(text: string): EncodedPrompt {
    const { maxLength, bos, eos, pad } = this.spec;
    const tokens = this.promptTokens(text);
    const room = maxLength - 2;
    const kept = tokens.slice(0, room);
    const ids = [bos, ...kept, eos];
    while (ids.length < maxLength) ids.push(pad);
    const encoded: EncodedPrompt = { ids, truncated: tokens.length > room, tokenCount: tokens.length };
    if (encoded.truncated) {
      const dropped = this.decodeQuietly(tokens.slice(room));
      encoded.warning =
        `The prompt is ${tokens.length} tokens long; only the first ${room} are used ` +
        `(the text encoder reads ${maxLength} tokens, including the start and end tokens).` +
        (dropped ? ` Dropped: "${dropped}". Shorten the prompt to keep them.` : ' Shorten the prompt to keep the rest.');
    }
    return encoded;
  }

  private decodeQuietly(ids: number[]): string {
    try {
      return this.tokenizer.decode(ids, { skip_special_tokens: true }).trim();
    } catch {
      // The warning is still useful without the dropped words.
      return '';
    }
  }
}

/**
 * What the post-processor puts around a prompt: the ids before and after the plain tokens of a probe
 * text. Null when the probe gives no plain tokens to locate (then nothing can be inferred).
 */
function probePostProcessor(tokenizer: Tokenizer): { prefix: number[]; suffix: number[] } | null {
  for (const text of ['a photo', 'a', 'x']) {
    const plain = tokenizer.encode(text, { add_special_tokens: false }).ids;
    if (plain.length === 0) continue;
    const full = tokenizer.encode(text, { add_special_tokens: true }).ids;
    for (let at = 0; at + plain.length <= full.length; at++) {
      if (plain.every((id, k) => full[at + k] === id)) {
        return { prefix: full.slice(0, at), suffix: full.slice(at + plain.length) };
      }
    }
    return null;
  }
  return null;
}
