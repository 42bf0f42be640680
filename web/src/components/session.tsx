import { createContext, useContext } from 'react';
import { roleAtLeast, type HubRole } from '../../../src/auth/roles.js';
import type { Outputs } from '../trpc.js';

export type Me = Outputs['session']['me'];

export const SessionContext = createContext<Me | undefined>(undefined);

/** The signed-in person; only pages inside the signed-in layout call it. */
export function useSession(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useSession outside the signed-in layout');
  return me;
}

/**
 * Whether the signed-in role may do what needs `minimum`. Only for hiding controls: the
 * server refuses the call anyway.
 */
export function useCan(minimum: HubRole): boolean {
  return roleAtLeast(useSession().role, minimum);
}
