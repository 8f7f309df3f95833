/** views.*: open and push (with a trigger_id), update (by id or external_id, with hash), publish a Home tab. */
import { validateView } from '../content';
import { SlackApiError, clone, missing, str } from '../util';
import { MAX_MODAL_STACK } from '../views';
import type { ApiContext, MethodTable } from './context';

export function viewMethods({ space, views }: ApiContext): MethodTable {
  const modal = (args: Record<string, unknown>, push: boolean) => {
    const v = validateView(args.view, 'modal', `view${space.seq}`);
    views.checkExternalId(v.external_id);
    const user = views.consumeTrigger(args);
    if (!push) views.closeModal(user, undefined);
    const stack = push ? (views.modalStacks.get(user) ?? []) : [];
    if (stack.length >= MAX_MODAL_STACK) throw new SlackApiError('push_limit_reached');
    return { view: clone(views.createModal(user, v, stack).view) };
  };
  return {
    'views.open': (args) => modal(args, false),

    'views.push': (args) => modal(args, true),

    'views.update': (args) => {
      const viewId = str(args.view_id);
      const externalId = str(args.external_id);
      if (!viewId && !externalId) throw missing('view_id');
      const rec = viewId ? views.records.get(viewId) : [...views.records.values()].find((r) => r.view.external_id === externalId);
      if (!rec || (rec.type === 'modal' && !rec.open)) throw new SlackApiError('not_found');
      const hash = str(args.hash);
      if (hash && hash !== rec.view.hash) throw new SlackApiError('hash_conflict');
      const v = validateView(args.view, rec.type, `${rec.id}${space.seq}`);
      views.checkExternalId(v.external_id, rec.id);
      views.update(rec, v);
      rec.errors = undefined;
      space.changed();
      return { view: clone(rec.view) };
    },

    'views.publish': (args) => {
      const userId = str(args.user_id);
      if (!userId) throw missing('user_id');
      const u = space.users.get(userId);
      if (!u || u.deleted) throw new SlackApiError('user_not_found');
      const v = validateView(args.view, 'home', `view${space.seq}`);
      let rec = views.homeRecord(userId);
      const hash = str(args.hash);
      if (rec && hash && hash !== rec.view.hash) throw new SlackApiError('hash_conflict');
      views.checkExternalId(v.external_id, rec?.id);
      if (rec) views.update(rec, v);
      else rec = views.create(`V0HOME${String(space.nextSeq()).padStart(5, '0')}`, userId, v, []);
      space.changed();
      return { view: clone(rec.view) };
    },
  };
}
