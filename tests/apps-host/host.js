// A minimal MCP Apps host around the official AppBridge: the view runs in a sandboxed iframe,
// and its requests reach the MCP server through functions the test page provides.
import { AppBridge, PostMessageTransport, buildAllowAttribute } from "@modelcontextprotocol/ext-apps/app-bridge";

/** The Content-Security-Policy the extension asks a host to apply: only the declared origins. */
function policy(csp = {}) {
  const origins = (list) => (list ?? []).join(" ");
  const resources = origins(csp.resourceDomains);
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${resources}`,
    `style-src 'unsafe-inline' ${resources}`,
    `img-src data: ${resources}`,
    `font-src ${resources || "'none'"}`,
    `media-src data: ${resources}`,
    `connect-src ${origins(csp.connectDomains) || "'none'"}`,
    `frame-src ${origins(csp.frameDomains) || "'none'"}`,
    "object-src 'none'",
  ].join("; ");
}

/**
 * Renders `html` (the view's resource) in a sandboxed iframe and connects it. `meta` is the
 * resource's `_meta.ui`; `callTool(params)` and `readResource(params)` reach the server.
 * Resolves with the bridge once the view has initialized.
 */
window.startHost = async function startHost({ html, meta, tool, toolInput, toolResult, callTool, readResource }) {
  const iframe = document.createElement("iframe");
  iframe.sandbox = "allow-scripts";
  iframe.allow = buildAllowAttribute(meta?.permissions);
  iframe.style.width = "100%";
  iframe.style.height = "480px";
  document.body.appendChild(iframe);

  const bridge = new AppBridge(
    null,
    { name: "mcp-kit-test-host", version: "1.0.0" },
    { serverTools: {}, serverResources: {}, logging: {} },
    { hostContext: { theme: "light", displayMode: "inline", toolInfo: { tool } } },
  );
  bridge.oncalltool = (params) => callTool(params);
  bridge.onreadresource = (params) => readResource(params);
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${height}px`;
  };
  const initialized = new Promise((resolve) => { bridge.oninitialized = resolve; });
  // Listening before the view loads: its first message, `ui/initialize`, is sent at once.
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  iframe.srcdoc = `<meta http-equiv="Content-Security-Policy" content="${policy(meta?.csp)}">${html}`;
  await initialized;
  await bridge.sendToolInput({ arguments: toolInput });
  await bridge.sendToolResult(toolResult);
  window.appBridge = bridge;
  return true;
};
