// Editing, for token holders: the token box (kept for this session only), the form that
// edits an entity's fields (errors shown at the field the API names; a version conflict
// explained, with the current values offered), and an entity's history.
import { enumValues, GraphQLRequestError, onTokenChange, request, setToken, token } from './api.js';
import { words } from './format.js';
import { html, useEffect, useState } from './html.js';
import { EDITABLE, historyQuery, pageQuery, updateMutation } from './queries.js';

/** Returns whether a token is entered, following changes. */
export function useToken() {
  const [value, setValue] = useState(token());
  useEffect(() => onTokenChange(setValue), []);
  return value;
}

/** The header's sign-in for writers. */
export function TokenControl() {
  const current = useToken();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState('');
  if (current) {
    return html`<div class="token">
      <span class="signed-in">Editing enabled</span>
      <button type="button" class="link" onClick=${() => setToken('')}>Forget the token</button>
    </div>`;
  }
  if (!open) {
    return html`<div class="token"><button type="button" class="link" onClick=${() => setOpen(true)}>Edit with a token</button></div>`;
  }
  const submit = async (event) => {
    event.preventDefault();
    setError('');
    const previous = token();
    setToken(draft.trim());
    try {
      // Reading a history needs a valid token: it checks this one.
      await request('query ExplorerCheckToken { documents { history(first: 1) { version } } }');
      setOpen(false);
      setDraft('');
    } catch (failure) {
      setToken(previous);
      setError(failure instanceof GraphQLRequestError && failure.code === 'UNAUTHENTICATED' ? 'That token is not valid.' : failure.message);
    }
  };
  return html`<form class="token token-form" onSubmit=${submit}>
    <label for="token-input">Write token</label>
    <input id="token-input" type="password" autocomplete="off" value=${draft} onInput=${(e) => setDraft(e.currentTarget.value)} required />
    <button type="submit">Use it</button>
    <button type="button" class="link" onClick=${() => setOpen(false)}>Cancel</button>
    <span class="token-note">Kept for this browser tab's session only.</span>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </form>`;
}

function formValue(kind, value) {
  if (value === null || value === undefined) return '';
  if (kind === 'lines') return value.join('\n');
  return String(value);
}

function patchValue(kind, text) {
  if (kind === 'int') return text.trim() === '' ? null : Number.parseInt(text, 10);
  if (kind === 'float') return text.trim() === '' ? null : Number(text);
  if (kind === 'lines') return text.split('\n').map((line) => line.trim()).filter(Boolean);
  if (kind === 'date' || kind.startsWith('enum:')) return text === '' ? null : text;
  return text;
}

/** Edits an entity's fields; `onSaved(entity)` gets the entity as saved. */
export function EditForm({ kind, entity, onSaved, onCancel }) {
  const fields = EDITABLE[entity.__typename] ?? [];
  const initial = Object.fromEntries(fields.map(([name, type]) => [name, formValue(type, entity[name])]));
  const [values, setValues] = useState(initial);
  const [version, setVersion] = useState(entity.version);
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [conflict, setConflict] = useState(null);
  const [saving, setSaving] = useState(false);
  const [options, setOptions] = useState({});

  useEffect(() => {
    for (const [name, type] of fields) {
      if (type.startsWith('enum:')) {
        enumValues(type.slice(5)).then((values) => setOptions((previous) => ({ ...previous, [name]: values })));
      }
    }
  }, []);

  const save = async (event, expectedVersion = version) => {
    event?.preventDefault();
    const patch = {};
    for (const [name, type] of fields) {
      if (values[name] !== initial[name]) patch[name] = patchValue(type, values[name]);
    }
    if (!Object.keys(patch).length) {
      onCancel();
      return;
    }
    setSaving(true);
    setErrors({});
    setGeneral('');
    try {
      const data = await request(updateMutation(kind), { id: entity.id, patch, expectedVersion });
      onSaved(data.entity);
    } catch (failure) {
      if (!(failure instanceof GraphQLRequestError)) {
        setGeneral(`Saving failed: ${failure.message}`);
      } else if (failure.code === 'CONFLICT') {
        const current = await request(pageQuery(kind), { slug: entity.slug });
        setConflict(current.entity);
      } else {
        const atFields = {};
        const rest = [];
        for (const error of failure.errors) {
          const field = error.extensions?.field?.replace(/^patch\./, '').split(/[.[]/)[0];
          if (field && fields.some(([name]) => name === field)) atFields[field] = error.message;
          else rest.push(error.message);
        }
        setErrors(atFields);
        setGeneral(rest.join('; '));
      }
    } finally {
      setSaving(false);
    }
  };

  const useCurrent = () => {
    setValues(Object.fromEntries(fields.map(([name, type]) => [name, formValue(type, conflict[name])])));
    setVersion(conflict.version);
    setConflict(null);
  };

  return html`
    <form class="edit" onSubmit=${save} aria-labelledby="edit-heading" novalidate>
      <h2 id="edit-heading">Edit</h2>
      ${fields.map(([name, type, label]) => {
        const id = `edit-${name}`;
        const error = errors[name];
        const common = {
          id,
          name,
          value: values[name],
          'aria-invalid': error ? 'true' : undefined,
          'aria-describedby': error ? `${id}-error` : undefined,
          onInput: (e) => setValues((previous) => ({ ...previous, [name]: e.currentTarget.value })),
        };
        let input;
        if (type === 'textarea' || type === 'lines') input = html`<textarea rows=${type === 'lines' ? 5 : 8} ...${common}></textarea>`;
        else if (type.startsWith('enum:')) {
          input = html`<select ...${common} onChange=${common.onInput}>
            ${(options[name] ?? [{ name: values[name] }]).map((option) => html`<option value=${option.name}>${words(option.name)}</option>`)}
          </select>`;
        } else {
          const inputType = type === 'int' || type === 'float' ? 'text' : 'text';
          const mode = type === 'int' ? 'numeric' : type === 'float' ? 'decimal' : undefined;
          const hint = type === 'date' ? 'YYYY, YYYY-MM or YYYY-MM-DD' : undefined;
          input = html`<input type=${inputType} inputmode=${mode} placeholder=${hint} ...${common} />`;
        }
        return html`<div class=${`field${error ? ' invalid' : ''}`}>
          <label for=${id}>${label}</label>
          ${input}
          ${error ? html`<p class="field-error" id=${`${id}-error`} role="alert">${error}</p>` : null}
        </div>`;
      })}
      ${general ? html`<p class="error" role="alert">${general}</p>` : null}
      ${conflict
        ? html`<div class="conflict" role="alert">
            <p>
              Someone else changed this ${words(entity.__typename)} since you opened it: it is now at version
              ${conflict.version}, and your edit was made on version ${version}. Nothing was saved.
            </p>
            <table>
              <thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">Yours</th></tr></thead>
              <tbody>
                ${fields.map(([name, type, label]) => html`<tr>
                  <th scope="row">${label}</th><td>${formValue(type, conflict[name])}</td><td>${values[name]}</td>
                </tr>`)}
              </tbody>
            </table>
            <button type="button" onClick=${useCurrent}>Start again from the current values</button>
            <button type="button" onClick=${(e) => { setVersion(conflict.version); setConflict(null); save(e, conflict.version); }}>
              Save mine over them
            </button>
          </div>`
        : null}
      <div class="actions">
        <button type="submit" disabled=${saving}>${saving ? 'Saving…' : 'Save'}</button>
        <button type="button" class="link" onClick=${onCancel}>Cancel</button>
      </div>
    </form>
  `;
}

/** The entity's history, newest first: who changed what, when. */
export function History({ kind, slug }) {
  const [state, setState] = useState({ status: 'loading' });
  useEffect(() => {
    request(historyQuery(kind), { slug }).then(
      (data) => setState({ status: 'done', history: data.entity?.history ?? [] }),
      (error) => setState({ status: 'error', error }),
    );
  }, [kind, slug]);
  if (state.status === 'loading') return html`<p role="status">Loading the history…</p>`;
  if (state.status === 'error') return html`<p class="error" role="alert">The history could not be read: ${state.error.message}</p>`;
  return html`<ol class="history">
    ${state.history.map((entry) => {
      const changed = changedFields(entry.before, entry.after);
      return html`<li>
        <p><strong>${words(entry.kind)}</strong>, version ${entry.version}, by <code>${entry.actor}</code>
          (${entry.operation}), <time datetime=${entry.changedAt}>${entry.changedAt.replace('T', ' ').replace(/\..*|Z$/, '')} UTC</time></p>
        ${changed.length
          ? html`<ul>${changed.map(([field, before, after]) => html`<li><code>${field}</code>: ${before} → ${after}</li>`)}</ul>`
          : null}
      </li>`;
    })}
  </ol>`;
}

function changedFields(before, after) {
  if (!before || !after) return [];
  const show = (value) => (value === undefined || value === null ? '(none)' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  return Object.keys({ ...before, ...after })
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => [key, show(before[key]), show(after[key])]);
}
