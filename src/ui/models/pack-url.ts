export type PackUrlCheck = { ok: true; url: string } | { ok: false; message: string };

/**
 * The folder URL of a pack from what the user typed: relative addresses resolve against the page, a link to
 * the pack's manifest.json means its folder, and the folder gets its trailing slash (file URLs are resolved
 * against it).
 */
export function packFolderUrl(input: string, pageUrl: string): PackUrlCheck {
  const text = input.trim();
  if (text === '') {
    return { ok: false, message: 'Type the address of a model pack: the folder that holds its manifest.json.' };
  }
  let url: URL;
  try {
    url = new URL(text, pageUrl);
  } catch {
    return { ok: false, message: `“${text}” is not a web address. Type one such as https://example.org/packs/my-pack/.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `Only http:// and https:// addresses can be loaded (got ${url.protocol}).` };
  }
  url.hash = '';
  url.search = '';
  if (url.pathname.endsWith('/manifest.json')) url.pathname = url.pathname.slice(0, -'manifest.json'.length);
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return { ok: true, url: url.href };
}
