/** node-gyp-build 4.x ships no types; these are the two entry points used here. */
declare module 'node-gyp-build' {
  interface NodeGypBuild {
    (dir: string): unknown;
    /** The path of the addon `load(dir)` would require; throws "No native build was found…". */
    path(dir: string): string;
  }
  const load: NodeGypBuild;
  export default load;
}
