import { MemoryEventBus } from '../../bus';
import { NovahostDatabase } from '../../database/NovahostDatabase';
import { DeploymentLogs } from '../DeploymentLogs';
import { DeploymentStateMachine } from '../DeploymentStateMachine';

/** A state machine over `db` with an in-process bus, as one replica has. */
export function createTestMachine(db: NovahostDatabase) {
  const bus = new MemoryEventBus();
  const logs = new DeploymentLogs(db, bus);
  return { bus, logs, machine: new DeploymentStateMachine({ db, logs, bus }) };
}
