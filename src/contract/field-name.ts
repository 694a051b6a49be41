/**
 * A field name of `T`, checked by the compiler: the JSONPaths of the state machines' states are built from these,
 * so renaming a field of the state breaks the build instead of a path. Internal to the contract (not re-exported).
 */
export function field<T>(name: keyof T & string): string {
  return name;
}
