import { describe, expect, it } from 'vitest';
import { packFolderUrl } from '../../src/ui/models/pack-url.js';

const PAGE = 'http://127.0.0.1:4173/#/models';

describe('packFolderUrl: what the user typed becomes the folder URL of a pack', () => {
  it('resolves relative addresses against the page and adds the trailing slash', () => {
    expect(packFolderUrl('models/tinyworld-v2', PAGE)).toEqual({ ok: true, url: 'http://127.0.0.1:4173/models/tinyworld-v2/' });
    expect(packFolderUrl('  /packs/a/  ', PAGE)).toEqual({ ok: true, url: 'http://127.0.0.1:4173/packs/a/' });
  });

  it('takes a link to manifest.json as its folder, and drops query and fragment', () => {
    expect(packFolderUrl('https://example.org/p/x/manifest.json?download=1#top', PAGE)).toEqual({
      ok: true,
      url: 'https://example.org/p/x/',
    });
  });

  it('refuses empty input, other schemes and text that is no address, saying what to type', () => {
    const empty = packFolderUrl('   ', PAGE);
    expect(empty).toEqual({ ok: false, message: expect.stringMatching(/folder that holds its manifest\.json/) });
    expect(packFolderUrl('ftp://example.org/p/', PAGE)).toEqual({
      ok: false,
      message: 'Only http:// and https:// addresses can be loaded (got ftp:).',
    });
    expect(packFolderUrl('http://exa mple.org/', PAGE)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/is not a web address/),
    });
  });
});
