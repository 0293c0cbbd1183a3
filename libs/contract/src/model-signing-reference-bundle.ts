// A bundle written by the reference signer itself (`model_signing sign key`, model-signing 1.1.1,
// Python 3.11) over a 7-file folder named sample-ref, with its public key and file digests: the
// unit tests check our verifier accepts it and our statement builder re-creates its payload byte
// for byte. Test data only; the key is a throwaway.

/** The reference CLI's model.sig, exactly as written (compact JSON, no trailing newline). */
export const REFERENCE_BUNDLE =
  '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"9c17890c15d47a7c423f922df840dc46bf929ddb6224b34a5ccfcb73a78e56a8"},"tlogEntries":[]},"dsseEnvelope":{"payload":"ewogICJfdHlwZSI6ICJodHRwczovL2luLXRvdG8uaW8vU3RhdGVtZW50L3YxIiwKICAic3ViamVjdCI6IFsKICAgIHsKICAgICAgIm5hbWUiOiAic2FtcGxlLXJlZiIsCiAgICAgICJkaWdlc3QiOiB7CiAgICAgICAgInNoYTI1NiI6ICJlOWJkNWVjNDYwMjViZTQzYmY2ZTYxZjI2YzE4YzBlM2U4MTAyYjc2MGE2YTM4MDU4NmM2M2M0ZDMwYzA1MDZiIgogICAgICB9CiAgICB9CiAgXSwKICAicHJlZGljYXRlVHlwZSI6ICJodHRwczovL21vZGVsX3NpZ25pbmcvc2lnbmF0dXJlL3YxLjAiLAogICJwcmVkaWNhdGUiOiB7CiAgICAicmVzb3VyY2VzIjogWwogICAgICB7CiAgICAgICAgIm5hbWUiOiAiYS9iIiwKICAgICAgICAiYWxnb3JpdGhtIjogInNoYTI1NiIsCiAgICAgICAgImRpZ2VzdCI6ICIzNzBhOGMwNGI4YTY1YmI0NDk0Mjc1ZWVjMjI3ZjFiNjk0ZGIwNGM3NmRhNmIwYjhhZTg4ZWQxYWIxOTc5MGEzIgogICAgICB9LAogICAgICB7CiAgICAgICAgIm5hbWUiOiAiYS50eHQiLAogICAgICAgICJhbGdvcml0aG0iOiAic2hhMjU2IiwKICAgICAgICAiZGlnZXN0IjogIjJkNzExNjQyYjcyNmIwNDQwMTYyN2NhOWZiYWMzMmY1Yzg1MzBmYjE5MDNjYzRkYjAyMjU4NzE3OTIxYTQ4ODEiCiAgICAgIH0sCiAgICAgIHsKICAgICAgICAibmFtZSI6ICJjb25maWcuanNvbiIsCiAgICAgICAgImFsZ29yaXRobSI6ICJzaGEyNTYiLAogICAgICAgICJkaWdlc3QiOiAiZTM0NjQzMjAyMWIwNDE3OTUxOGQ5NjE0ZjM1NjBjY2Q3MTM1NGE0ZWUxMDFkZGNiODkzZDY5NTlhOWQ2MzAxYyIKICAgICAgfSwKICAgICAgewogICAgICAgICJuYW1lIjogImVtcHR5LmRhdCIsCiAgICAgICAgImFsZ29yaXRobSI6ICJzaGEyNTYiLAogICAgICAgICJkaWdlc3QiOiAiZTNiMGM0NDI5OGZjMWMxNDlhZmJmNGM4OTk2ZmI5MjQyN2FlNDFlNDY0OWI5MzRjYTQ5NTk5MWI3ODUyYjg1NSIKICAgICAgfSwKICAgICAgewogICAgICAgICJuYW1lIjogIm1vZGVsLmJpbiIsCiAgICAgICAgImFsZ29yaXRobSI6ICJzaGEyNTYiLAogICAgICAgICJkaWdlc3QiOiAiNjJlMWNiM2QyMzZjNmVlNDQxMzBjNTRiZjcyMGY4N2IyYmExYjBkNTg5NjU2MzRhZjlhM2MzZTU0MWE0NjJlZiIKICAgICAgfSwKICAgICAgewogICAgICAgICJuYW1lIjogInN1Yi9kZWVwL3cuc2FmZXRlbnNvcnMiLAogICAgICAgICJhbGdvcml0aG0iOiAic2hhMjU2IiwKICAgICAgICAiZGlnZXN0IjogIjY0ODk2Zjg5ZmQxMTE5MDAxM2I3MDEwM2U2MDNhMWM1ODI2ZTU2YjdmYjdkMjE5N2FiMjc5YjA2OTAwNDM1OTkiCiAgICAgIH0sCiAgICAgIHsKICAgICAgICAibmFtZSI6ICJzdWIvXHUwMGZjbmljb2RlLnR4dCIsCiAgICAgICAgImFsZ29yaXRobSI6ICJzaGEyNTYiLAogICAgICAgICJkaWdlc3QiOiAiMDg0YzgwY2FhODk3MTllMzFjY2Y1YzcwNDI5OTU3NTYwM2UzOGM4ZTQ0OGM4NGE0ZjNlZWFlNzM4MTk2Y2U2ZCIKICAgICAgfQogICAgXSwKICAgICJzZXJpYWxpemF0aW9uIjogewogICAgICAiaGFzaF90eXBlIjogInNoYTI1NiIsCiAgICAgICJhbGxvd19zeW1saW5rcyI6IGZhbHNlLAogICAgICAiaWdub3JlX3BhdGhzIjogWwogICAgICAgICIuZ2l0IiwKICAgICAgICAiLmdpdGh1YiIsCiAgICAgICAgIm1vZGVsLnNpZyIsCiAgICAgICAgIi5naXRpZ25vcmUiLAogICAgICAgICIuZ2l0YXR0cmlidXRlcyIKICAgICAgXSwKICAgICAgIm1ldGhvZCI6ICJmaWxlcyIKICAgIH0KICB9Cn0=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MEUCIQCbPTh1FWsqq1rKNBOt07mAPrDtMCFdHXvswpXbmPC/tQIgdA4ioLdmgTYti1TNRmcBpzHEsHvQMAwH4ZY2+ReFFQc=","keyid":""}]}}';

/** The throwaway public key the reference bundle was signed with. */
export const REFERENCE_PUBLIC_KEY_PEM =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAES7I4DgYZu1lMt6Z5IOtJTft3Qgtq\nEM8hIOa9U4YoLfgCR1FRcEtDOO3o+9Q8UdipaapP77+Kd06DWbj0vQZ7iw==\n-----END PUBLIC KEY-----\n';

/** The signed folder's files (root .gitignore and .git/HEAD were present and skipped by the signer). */
export const REFERENCE_FILES = [
  { path: 'a/b', sha256: '370a8c04b8a65bb4494275eec227f1b694db04c76da6b0b8ae88ed1ab19790a3' },
  { path: 'a.txt', sha256: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881' },
  { path: 'config.json', sha256: 'e346432021b04179518d9614f3560ccd71354a4ee101ddcb893d6959a9d6301c' },
  { path: 'empty.dat', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { path: 'model.bin', sha256: '62e1cb3d236c6ee44130c54bf720f87b2ba1b0d58965634af9a3c3e541a462ef' },
  { path: 'sub/deep/w.safetensors', sha256: '64896f89fd11190013b70103e603a1c5826e56b7fb7d2197ab279b0690043599' },
  { path: 'sub/\u00fcnicode.txt', sha256: '084c80caa89719e31ccf5c704299575603e38c8e448c84a4f3eeae738196ce6d' },
];

/** The reference signer's ignore_paths order (a Python set's), needed to rebuild its payload bytes. */
export const REFERENCE_IGNORE_PATHS = ['.git', '.github', 'model.sig', '.gitignore', '.gitattributes'];

/**
 * Resource order model_signing wrote for a folder of awkward names (prototype folder "edge"):
 * PurePosixPath order by code point, so 'a/c' < 'a-b/c', and U+00E9 < U+FB00 < U+1F600 although
 * UTF-16 (JavaScript's default sort) puts the surrogate pair of U+1F600 before U+FB00.
 */
export const REFERENCE_EDGE_ORDER = [
  '.hidden', 'Z/z', 'a/c', 'a-b/c', 'dir with space/f', 'e', 'sub/.git/x', 'sub/.gitignore', '\u00e9', '\ufb00.bin', '\u{1f600}.bin',
];
