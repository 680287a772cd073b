/**
 * PackTokenizer against two small tokenizer.json files written for these tests (tests/pack/fixtures):
 *   - wordlevel-tokenizer.json: WordLevel, Whitespace pre-tokenizer, TemplateProcessing adding BOS/EOS;
 *   - clip-bpe-tokenizer.json: shaped like CLIP's (NFC + whitespace + lowercase normalizer, CLIP's split
 *     regex, ByteLevel, BPE with the "</w>" end-of-word suffix, RobertaProcessing), BOS 998 / EOS 999 so
 *     that it fits the parity-v1 text encoder (vocab 1000).
 * The expected ids are the output of the Rust `tokenizers` 0.23.2 and of transformers 5.17.0
 * CLIPTokenizer(padding="max_length", max_length=77, truncation=True) on the same files (recorded once;
 * Python is not needed to run the tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { PackTokenizer, TokenizerError } from '../../src/runtime/tokenizer.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const json = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

const clip = () => json('clip-bpe-tokenizer.json');
const clipConfig = () => json('clip-bpe-tokenizer_config.json');
const wordLevel = () => json('wordlevel-tokenizer.json');

/** ids padded to 77 with `pad`. */
function padded(ids: number[], pad: number, length = 77): number[] {
  return [...ids, ...new Array(length - ids.length).fill(pad)];
}

describe('CLIP-shaped BPE tokenizer.json', () => {
  const tok = PackTokenizer.fromJson(clip(), { config: clipConfig(), source: 'fixtures/clip-bpe-tokenizer.json' });

  it('derives BOS/EOS/pad/max length from the files as CLIPTokenizer does', () => {
    expect(tok.spec).toEqual({ maxLength: 77, bos: 998, eos: 999, pad: 999 });
    expect(tok.postProcessorAddsSpecials).toBe(true);
  });

  // [prompt, plain token ids] from the Rust tokenizers library; padded result equal to transformers'.
  const cases: [string, number[]][] = [
    ['a photo of a cat', [26, 61, 62, 26, 57]],
    ['  A  Photo\tof a CAT! ', [26, 61, 62, 26, 57, 55]], // whitespace collapsed, lowercased
    ['cats, red dog!', [66, 53, 68, 64, 55]], // "cat"+"s</w>" merges, punctuation split off
    ['4k cat', [999, 36, 57]], // "4</w>" is not in the vocabulary: the unk token (<|endoftext|>)
    ['café cat', [56, 5, 999, 999, 57]], // é is two bytes, neither in the vocabulary
    ['a <|endoftext|> cat', [26, 999, 57]], // a special token typed in the prompt stays one token
  ];
  for (const [prompt, plain] of cases) {
    it(`encodes ${JSON.stringify(prompt)} exactly`, () => {
      const out = tok.encodeForModel(prompt);
      expect(out.ids).toEqual(padded([998, ...plain, 999], 999));
      expect(out.ids).toHaveLength(77);
      expect(out.tokenCount).toBe(plain.length);
      expect(out.truncated).toBe(false);
      expect(out.warning).toBeUndefined();
    });
  }

  it('adds BOS/EOS once although the library post-processor adds them too', () => {
    // The library with its defaults: BOS/EOS from RobertaProcessing, no padding.
    const lib = new Tokenizer(clip(), {});
    expect(lib.encode('a photo of a cat').ids).toEqual([998, 26, 61, 62, 26, 57, 999]);
    const ids = tok.encodeForModel('a photo of a cat').ids;
    expect(ids.filter((id) => id === 998)).toHaveLength(1);
    expect(ids.slice(0, 8)).toEqual([998, 26, 61, 62, 26, 57, 999, 999]);
  });

  it('encodes the empty prompt as [BOS, EOS, PAD…] (the unconditional prompt)', () => {
    const out = tok.encodeForModel('');
    expect(out.ids).toEqual(padded([998, 999], 999));
    expect(out).toMatchObject({ truncated: false, tokenCount: 0 });
  });

  it('truncates to 77 keeping BOS and EOS, with a warning naming the counts and the dropped words', () => {
    const out = tok.encodeForModel('a cat '.repeat(50)); // 100 tokens
    const kept = Array.from({ length: 75 }, (_, i) => (i % 2 === 0 ? 26 : 57));
    expect(out.ids).toEqual([998, ...kept, 999]); // transformers: the same 77 ids
    expect(out.truncated).toBe(true);
    expect(out.tokenCount).toBe(100);
    expect(out.warning).toMatch(/^The prompt is 100 tokens long; only the first 75 are used/);
    expect(out.warning).toContain('Dropped: "cat a cat a cat');
  });

  it('keeps exactly 75 prompt tokens without a warning', () => {
    const out = tok.encodeForModel(`${'a cat '.repeat(37)}a`); // 75 tokens
    expect(out.truncated).toBe(false);
    expect(out.ids[75]).toBe(26);
    expect(out.ids[76]).toBe(999);
  });
});

describe('pack conventions', () => {
  it('pads with the pack pad id (0 for SD2-style packs)', () => {
    const tok = PackTokenizer.fromJson(clip(), { config: clipConfig(), spec: { pad: 0 } });
    expect(tok.encodeForModel('a cat').ids).toEqual(padded([998, 26, 57, 999], 0));
  });

  it('takes the max length from the manifest', () => {
    const tok = PackTokenizer.fromJson(clip(), { spec: { maxLength: 8, bos: 998, eos: 999, pad: 999 } });
    expect(tok.encodeForModel('a cat a cat a cat a cat').ids).toEqual([998, 26, 57, 26, 57, 26, 57, 999]);
    expect(tok.encodeForModel('a cat a cat a cat a cat').warning).toMatch(/8 tokens long; only the first 6 are used/);
  });

  it('works the same without a post-processor (BOS/EOS then come only from us)', () => {
    const bare = { ...clip(), post_processor: null };
    const tok = PackTokenizer.fromJson(bare, { config: clipConfig() });
    expect(tok.postProcessorAddsSpecials).toBe(false);
    expect(new Tokenizer(bare, {}).encode('a cat').ids).toEqual([26, 57]);
    expect(tok.encodeForModel('a cat').ids).toEqual(padded([998, 26, 57, 999], 999));
  });

  it('without config or manifest ids, finds CLIP special tokens by name', () => {
    const bare = { ...clip(), post_processor: null };
    expect(PackTokenizer.fromJson(bare).spec).toEqual({ maxLength: 77, bos: 998, eos: 999, pad: 999 });
  });

  it('refuses a manifest whose BOS/EOS disagree with the post-processor', () => {
    const build = () => PackTokenizer.fromJson(clip(), { spec: { bos: 49406, eos: 49407 }, source: 'p/tokenizer.json' });
    expect(build).toThrow(TokenizerError);
    expect(build).toThrow(/p\/tokenizer\.json: its post-processor adds \[998\] … \[999\].*BOS = 49406 and EOS = 49407/);
  });

  it('refuses what is not a tokenizer.json', () => {
    expect(() => PackTokenizer.fromJson({ vocab: {} })).toThrow(/not a Hugging Face tokenizer\.json/);
    expect(() => PackTokenizer.fromJson(clip(), { config: [] })).toThrow(/tokenizer_config\.json must be a JSON object/);
  });
});

describe('word-level tokenizer.json with TemplateProcessing', () => {
  const tok = PackTokenizer.fromJson(wordLevel());

  it('reads BOS/EOS from the template and pads with EOS', () => {
    expect(tok.spec).toEqual({ maxLength: 77, bos: 1, eos: 2, pad: 2 });
    expect(tok.postProcessorAddsSpecials).toBe(true);
  });

  it('encodes exact ids (unknown words → <unk>, punctuation split)', () => {
    expect(tok.encodeForModel('A photo of a cat').ids).toEqual(padded([1, 3, 4, 5, 3, 6, 2], 2));
    expect(tok.encodeForModel('a zebra in the snow!').ids).toEqual(padded([1, 3, 0, 9, 10, 11, 13, 2], 2));
    expect(tok.encodeForModel('dog, cat!').ids).toEqual(padded([1, 7, 12, 6, 13, 2], 2));
    expect(tok.encodeForModel('').ids).toEqual(padded([1, 2], 2));
  });

  it('truncates long prompts with the warning', () => {
    const out = tok.encodeForModel('the cat '.repeat(40).trim()); // 80 tokens
    expect(out.ids).toHaveLength(77);
    expect(out.ids[0]).toBe(1);
    expect(out.ids[76]).toBe(2);
    expect(out.ids.slice(1, 5)).toEqual([10, 6, 10, 6]);
    expect(out.warning).toMatch(/^The prompt is 80 tokens long; only the first 75 are used/);
  });

  it('refuses a word outside a vocabulary without an unknown token', () => {
    const noUnk = wordLevel() as { model: Record<string, unknown> };
    delete noUnk.model.unk_token;
    const strict = PackTokenizer.fromJson(noUnk);
    expect(strict.encodeForModel('a cat').ids.slice(0, 4)).toEqual([1, 3, 6, 2]);
    expect(() => strict.encodeForModel('a zebra')).toThrow(/"zebra" is not in the tokenizer's vocabulary/);
  });
});
