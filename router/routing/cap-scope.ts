/** Scope of an assignment's own counters (caps, dedupe): profile ids are unique per entity only. */
export function assignmentCapScope(profile: { entity: string; id: string }): string {
  return `profile:${profile.entity}/${profile.id}`;
}
