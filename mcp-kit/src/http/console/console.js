// The developer console: lists what the server has as the chosen caller sees it, builds a form
// from each tool's input schema, and calls the tool through the server's own pipeline.
"use strict";

const $ = (selector) => document.querySelector(selector);
let items = { tools: [], resources: [], templates: [], prompts: [] };

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== undefined && child !== null) node.append(child);
  }
  return node;
}

function caller() {
  return $("#caller").value;
}

async function loadCallers() {
  const { callers } = await (await fetch("/_dev/api/callers")).json();
  for (const subject of callers) $("#caller").append(el("option", { value: subject }, subject));
}

async function loadItems() {
  const response = await fetch("/_dev/api/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ as: caller() }),
  });
  items = await response.json();
  renderItems();
}

function matches(item, words) {
  const text = `${item.name} ${item.title ?? ""} ${item.description ?? ""} ${item.uri ?? item.uriTemplate ?? ""}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

function renderItems() {
  const words = $("#filter").value.toLowerCase().split(/\s+/).filter(Boolean);
  const nav = $("#items");
  nav.replaceChildren();
  const groups = [["Tools", "tools"], ["Resources", "resources"], ["Templates", "templates"], ["Prompts", "prompts"]];
  for (const [title, kind] of groups) {
    const shown = items[kind].filter((item) => matches(item, words));
    if (shown.length === 0) continue;
    nav.append(el("h2", {}, `${title} (${shown.length})`));
    for (const item of shown) {
      nav.append(el("button", { type: "button", "data-kind": kind, "data-name": item.name, onclick: () => show(kind, item) }, item.name));
    }
  }
}

function show(kind, item) {
  for (const button of document.querySelectorAll("nav button")) {
    button.classList.toggle("chosen", button.dataset.kind === kind && button.dataset.name === item.name);
  }
  const detail = $("#detail");
  detail.replaceChildren(el("h2", {}, item.title ? `${item.title} (${item.name})` : item.name));
  if (item.description) detail.append(el("p", {}, item.description));
  const hints = Object.entries(item.annotations ?? {}).filter(([, on]) => on).map(([hint]) => el("span", { class: "badge" }, hint.replace(/Hint$/, "")));
  if (hints.length) detail.append(el("p", {}, ...hints));
  detail.append(el("p", { class: "meta permission" }, `Who may use it: ${item["x-mcp-kit-permission"]}`));
  if (item.uri || item.uriTemplate) detail.append(el("p", { class: "meta" }, item.uri ?? item.uriTemplate, item.mimeType ? ` (${item.mimeType})` : ""));
  if (kind === "resources" || kind === "templates") return showResource(detail, item);
  if (kind === "prompts") return showPrompt(detail, item);
  const form = objectFields(item.inputSchema, item.inputSchema);
  detail.append(
    el("details", {}, el("summary", {}, "Input schema"), el("pre", {}, JSON.stringify(item.inputSchema, null, 2))),
    ...(item.outputSchema ? [el("details", {}, el("summary", {}, "Output schema"), el("pre", {}, JSON.stringify(item.outputSchema, null, 2)))] : []),
    el("div", { id: "form" }, form.node),
    el("button", { type: "button", id: "call", onclick: () => call(item.name, form.read()) }, "Call"),
    el("div", { id: "result" }),
  );
}

// A fixed resource is read as it is; a template's variables are filled in first.
function showResource(detail, item) {
  const template = item.uriTemplate ?? item.uri;
  const names = [...template.matchAll(/\{(\+?)([A-Za-z0-9_]+)\}/g)];
  const inputs = names.map(([, , name]) => {
    const input = el("input", { type: "text", id: `var-${name}`, name });
    detail.append(el("div", { class: "field", "data-name": name }, el("label", { for: `var-${name}` }, name), input));
    return input;
  });
  const uri = () => template.replace(/\{(\+?)([A-Za-z0-9_]+)\}/g, (_, whole, name) => {
    const value = inputs[names.findIndex(([, , n]) => n === name)].value;
    return whole ? value : encodeURIComponent(value);
  });
  detail.append(
    el("button", { type: "button", id: "call", onclick: () => post("/_dev/api/read", { as: caller(), uri: uri() }, renderContents) }, "Read"),
    el("div", { id: "result" }),
  );
}

function showPrompt(detail, item) {
  const fields = (item.arguments ?? []).map((argument) => {
    const input = el("input", { type: "text", id: `prompt-${argument.name}`, name: argument.name });
    detail.append(el("div", { class: "field", "data-name": argument.name },
      el("label", { for: input.id }, `${argument.name}${argument.required ? " *" : ""}`,
        argument.description ? el("span", { class: "description" }, argument.description) : null), input));
    return [argument.name, input];
  });
  const args = () => Object.fromEntries(fields.filter(([, input]) => input.value !== "").map(([name, input]) => [name, input.value]));
  detail.append(
    el("button", { type: "button", id: "call", onclick: () => post("/_dev/api/prompt", { as: caller(), name: item.name, arguments: args() }, renderPrompt) }, "Get"),
    el("div", { id: "result" }),
  );
}

async function post(path, body, show) {
  const box = $("#result");
  box.className = "";
  let answer;
  try {
    const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    answer = response.ok ? await response.json() : { error: await response.text() };
  } catch (error) {
    answer = { error: String(error) };
  }
  box.replaceChildren();
  if (answer.error) {
    box.className = "error";
    box.append(el("pre", {}, answer.error));
    return;
  }
  show(box, answer);
}

function renderContents(box, answer) {
  for (const contents of answer.contents) {
    box.append(el("p", { class: "meta" }, `${contents.uri}${contents.mimeType ? ` (${contents.mimeType})` : ""}`));
    if (contents.blob !== undefined && /^(image|audio)\//.test(contents.mimeType ?? "")) {
      const tag = contents.mimeType.startsWith("image/") ? "img" : "audio";
      box.append(el(tag, { src: `data:${contents.mimeType};base64,${contents.blob}`, controls: tag === "audio" ? "" : null, alt: contents.uri }));
    } else {
      box.append(el("pre", { class: "text" }, contents.text ?? contents.blob));
    }
  }
}

function renderPrompt(box, answer) {
  if (answer.description) box.append(el("p", {}, answer.description));
  for (const message of answer.messages) {
    box.append(el("p", { class: "meta" }, message.role), el("pre", { class: "text" }, message.content.text ?? JSON.stringify(message.content, null, 2)));
  }
}

// ---- forms from JSON Schema -------------------------------------------------------------

function resolve(schema, root) {
  let seen = 0;
  while (schema && schema.$ref && seen++ < 32) {
    const name = decodeURIComponent(schema.$ref.split("/").pop()).replace(/~1/g, "/").replace(/~0/g, "~");
    schema = (root.$defs ?? root.definitions ?? {})[name] ?? {};
  }
  return schema ?? {};
}

// `Option<T>` and nullable types: the schema without its null alternative.
function withoutNull(schema, root) {
  schema = resolve(schema, root);
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== "null");
    if (types.length === 1) return { ...schema, type: types[0] };
  }
  for (const key of ["anyOf", "oneOf"]) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const rest = options.filter((option) => resolve(option, root).type !== "null");
      if (rest.length === 1 && rest.length < options.length) {
        return { ...resolve(rest[0], root), description: schema.description ?? resolve(rest[0], root).description };
      }
    }
  }
  return schema;
}

function objectFields(schema, root) {
  schema = withoutNull(schema, root);
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => [name, field(name, property, root, required.has(name))]);
  return {
    node: el("div", {}, ...fields.map(([, f]) => f.node)),
    read() {
      const value = {};
      for (const [name, f] of fields) {
        const v = f.read();
        if (v !== undefined) value[name] = v;
      }
      return value;
    },
  };
}

function field(name, schema, root, required) {
  const s = withoutNull(schema, root);
  const id = `arg-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const label = el("label", { for: id }, `${name}${required ? " *" : ""}`, s.description ? el("span", { class: "description" }, s.description) : null);
  const wrap = (control, read) => ({ node: el("div", { class: "field", "data-name": name }, label, control), read });

  if (Array.isArray(s.enum)) {
    const select = el("select", { id, name }, required ? null : el("option", { value: "" }, "(unset)"),
      ...s.enum.map((value, i) => el("option", { value: String(i) }, JSON.stringify(value))));
    return wrap(select, () => (select.value === "" ? undefined : s.enum[Number(select.value)]));
  }
  switch (s.type) {
    case "boolean": {
      const select = el("select", { id, name }, required ? null : el("option", { value: "" }, "(unset)"),
        el("option", { value: "true" }, "true"), el("option", { value: "false" }, "false"));
      return wrap(select, () => (select.value === "" ? undefined : select.value === "true"));
    }
    case "integer":
    case "number": {
      const input = el("input", { id, name, type: "number", step: s.type === "integer" ? "1" : "any" });
      return wrap(input, () => (input.value === "" ? undefined : Number(input.value)));
    }
    case "string": {
      const input = el("input", { id, name, type: "text" });
      return wrap(input, () => (input.value === "" && !required ? undefined : input.value));
    }
    case "object": {
      if (!s.properties) break;
      const inner = objectFields(s, root);
      const include = required ? null : el("input", { type: "checkbox", "aria-label": `include ${name}` });
      const set = el("fieldset", { id }, el("legend", {}, include ?? "", ` ${name}`), inner.node);
      return { node: el("div", { class: "field", "data-name": name }, s.description ? el("span", { class: "description" }, s.description) : null, set),
               read: () => (include && !include.checked ? undefined : inner.read()) };
    }
    case "array": {
      const list = el("div", { id });
      const rows = [];
      const add = () => {
        const item = field(`${name}[${rows.length}]`, s.items ?? {}, root, true);
        const row = el("div", { class: "row" }, item.node);
        const entry = { item, row };
        row.append(el("button", { type: "button", onclick: () => { rows.splice(rows.indexOf(entry), 1); row.remove(); } }, "Remove"));
        rows.push(entry);
        list.append(row);
      };
      const control = el("div", {}, list, el("button", { type: "button", onclick: add }, `Add to ${name}`));
      return wrap(control, () => (rows.length === 0 && !required ? undefined : rows.map((entry) => entry.item.read())));
    }
  }
  // Anything else is written as JSON.
  const text = el("textarea", { id, name, rows: "3", placeholder: "JSON" });
  return wrap(text, () => {
    if (text.value.trim() === "") return undefined;
    try {
      return JSON.parse(text.value);
    } catch {
      return text.value;
    }
  });
}

// ---- calls -------------------------------------------------------------------------------

async function call(name, args) {
  const box = $("#result");
  box.className = "";
  box.replaceChildren(el("p", { class: "hint" }, "Calling…"));
  let answer;
  try {
    const response = await fetch("/_dev/api/call", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ as: caller(), name, arguments: args }),
    });
    answer = response.ok ? await response.json() : { error: await response.text() };
  } catch (error) {
    answer = { error: String(error) };
  }
  render(box, answer);
}

function render(box, answer) {
  box.replaceChildren();
  if (answer.error) {
    box.className = "error";
    box.append(el("pre", {}, answer.error));
    return;
  }
  const result = answer.result;
  if (result.isError) box.className = "error";
  for (const block of result.content ?? []) {
    switch (block.type) {
      case "text": {
        let text = block.text;
        try {
          text = JSON.stringify(JSON.parse(block.text), null, 2);
        } catch {}
        box.append(el("pre", { class: "text" }, text));
        break;
      }
      case "image":
        box.append(el("img", { alt: "image result", src: `data:${block.mimeType};base64,${block.data}` }));
        break;
      case "audio":
        box.append(el("audio", { controls: "", src: `data:${block.mimeType};base64,${block.data}` }));
        break;
      default:
        box.append(el("pre", {}, JSON.stringify(block, null, 2)));
    }
  }
  if (result.structuredContent !== undefined) {
    box.append(el("details", { open: "" }, el("summary", {}, "Structured content"), el("pre", {}, JSON.stringify(result.structuredContent, null, 2))));
  }
}

// A question a tool asks while the console calls it: a form from its schema, answered here.
function ask(question) {
  const form = objectFields(question.schema, question.schema);
  const box = el("div", { class: "question", "data-id": String(question.id) });
  const reply = async (action) => {
    const body = { id: question.id, action };
    if (action === "accept") body.content = form.read();
    await fetch("/_dev/api/answer", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    box.remove();
  };
  box.append(
    el("h2", {}, "A tool asks"),
    el("p", {}, question.message),
    form.node,
    el("button", { type: "button", class: "accept", onclick: () => reply("accept") }, "Send"),
    el("button", { type: "button", class: "decline", onclick: () => reply("decline") }, "Decline"),
    el("button", { type: "button", class: "cancel", onclick: () => reply("cancel") }, "Dismiss"),
  );
  $("#questions").append(box);
}

// Every call the server finishes, from this page or any other client, and the questions
// tools ask while the console calls them.
function follow() {
  const calls = new EventSource("/_dev/api/log");
  calls.addEventListener("question", (event) => ask(JSON.parse(event.data)));
  calls.addEventListener("message", (event) => {
    const call = JSON.parse(event.data);
    $("#log").prepend(el("li", { class: call.outcome === "ok" ? "" : "error" },
      `${call.tool} as ${call.caller ?? "anonymous"}: ${call.outcome}, ${call.millis.toFixed(1)} ms`));
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  follow();
  $("#filter").addEventListener("input", renderItems);
  $("#caller").addEventListener("change", () => {
    $("#detail").replaceChildren(el("p", { class: "hint" }, "Choose a tool to call it."));
    loadItems();
  });
  await loadCallers();
  await loadItems();
});
