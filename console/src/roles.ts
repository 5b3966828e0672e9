// What each role may do, so the console never shows a control the API would refuse.

import type { Role, User } from "./api/types";

export interface Caps {
  /** Reply, take over, release, resume, close, restart (agents and admins). */
  act: boolean;
  /** Hand a conversation to another agent (admins). */
  assignOthers: boolean;
  /** Organization settings, users, numbers, flows (admins). */
  manage: boolean;
  /** Sees every organization and picks one. */
  pickOrganization: boolean;
}

export function capsOf(user: Pick<User, "role"> | null | undefined): Caps {
  const role: Role | undefined = user?.role;
  const admin = role === "super_admin" || role === "org_admin";
  return {
    act: admin || role === "agent",
    assignOthers: admin,
    manage: admin,
    pickOrganization: role === "super_admin",
  };
}

export const ROLE_LABEL: Record<Role, string> = {
  super_admin: "Super admin",
  org_admin: "Admin",
  agent: "Agent",
  viewer: "Viewer",
};
