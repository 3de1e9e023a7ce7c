//! rmcp's `ServerHandler` over our dispatcher.

// Logging and legacy subscriptions are deprecated by SEP-2577; clients still use them.
#![allow(deprecated)]

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult, CompletionInfo,
    CustomRequest, CustomResult, ErrorCode, ErrorData, GetPromptRequestParams, GetPromptResponse,
    GetPromptResult, Implementation, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Reference, ServerCapabilities, ServerConfig,
    SetLevelRequestParams, SubscribeRequestParams, SubscriptionFilter, Tool,
    UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{RoleServer, ServerHandler};

use super::channel::PeerChannel;
use super::convert;
use super::input_required::{self, Request};
use super::sessions::{self, ListenLimits, Session, Sessions, TooMany};
use super::traced;
use crate::auth::Principal;
use crate::cache::CacheHint;
use crate::context::{ClientAddr, Context};
use crate::dispatch::{CallError, CompletionTarget, Dispatcher, ItemError};
use crate::error::ErrorKind;
use crate::jsonrpc::Method;
use crate::notifier::{Announcement, Audience};
use crate::registry::{Derived, Registry};
use crate::resource::Resource;
use crate::round::Declared;
use crate::sealed::StateKeys;
use crate::server::Server;
use crate::telemetry::Target;

/// One per session (per request when stateless); what they share is behind an `Arc`.
#[derive(Clone)]
pub(crate) struct Adapter {
    shared: Arc<Shared>,
    session: Arc<Session>,
}

/// What every session and the fast path share: the dispatcher and the items in wire form.
/// Each request kind is one method here, so both paths answer it the same way.
pub(super) struct Shared {
    pub(super) dispatcher: Arc<Dispatcher>,
    pub(super) info: ServerConfig,
    tools: Derived<Vec<Tool>>,
    sessions: Arc<Sessions>,
    page_size: usize,
    state_keys: StateKeys,
    listen_limits: ListenLimits,
    #[cfg(feature = "tasks")]
    tasks: Option<Arc<crate::task::Tasks>>,
}

/// The registry's tools in wire form, made once per snapshot.
fn wire_tools(registry: &Registry) -> Vec<Tool> {
    registry.tools().iter().map(convert::tool).collect()
}

impl Adapter {
    pub(crate) fn new(server: &Server) -> Self {
        let registry = server.registry();
        let mut capabilities = ServerCapabilities::builder()
            .enable_logging()
            .enable_completions()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_resources_list_changed()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        // A mounted server may serve its first prompt or resource later.
        let mounts = !server.probes.is_empty();
        if registry.prompts().is_empty() && !mounts {
            capabilities.prompts = None;
        }
        if registry.resources().is_empty() && !mounts {
            capabilities.resources = None;
        }
        let completes = registry.prompts().iter().any(|p| !p.completions.is_empty())
            || registry
                .resources()
                .iter()
                .any(|r| !r.completions.is_empty());
        if !completes {
            capabilities.completions = None;
        }
        #[cfg(feature = "tasks")]
        if server.tasks.is_some() {
            capabilities
                .extensions
                .get_or_insert_default()
                .insert(rmcp::model::TASKS_EXTENSION_ID.into(), Default::default());
        }
        if registry.resources().iter().any(Resource::is_app) {
            capabilities
                .extensions
                .get_or_insert_default()
                .insert(crate::app::APP_EXTENSION.into(), Default::default());
        }
        let info = ServerConfig::new(capabilities).with_server_info(Implementation::new(
            server.info.name.clone(),
            server.info.version.clone(),
        ));
        let tools = Derived::new(registry.clone(), wire_tools);
        let sessions = Arc::new(Sessions::default());
        let audience: Arc<dyn Audience> = sessions.clone();
        server.notifier.reach(&audience);
        Self {
            session: sessions.open(),
            shared: Arc::new(Shared {
                dispatcher: server.dispatcher.clone(),
                info,
                tools,
                sessions,
                page_size: server.settings().page_size,
                state_keys: server.state_keys.clone(),
                listen_limits: ListenLimits {
                    total: server.settings().max_listens,
                    per_caller: server.settings().max_listens_per_caller,
                },
                #[cfg(feature = "tasks")]
                tasks: server.tasks.clone(),
            }),
        }
    }

    /// The adapter for a new session: same server, its own subscriptions and log level.
    pub(crate) fn for_session(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            session: self.shared.sessions.open(),
        }
    }

    #[cfg(feature = "fast-path")]
    pub(super) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The tasks; rmcp answers `tasks/*` only when the extension is advertised, so they exist.
    #[cfg(feature = "tasks")]
    fn tasks(&self) -> Result<&Arc<crate::task::Tasks>, ErrorData> {
        self.shared
            .tasks
            .as_ref()
            .ok_or_else(|| ErrorData::internal_error("this server runs no tasks", None))
    }

    fn context(&self, context: &RequestContext<RoleServer>) -> Context {
        // A 2026-07-28 request is no session: announcements reach it only on a listen stream.
        if !per_request(context) {
            self.session.attach(&context.peer);
        }
        let progress_token = context
            .meta
            .get_progress_token()
            .and_then(|token| serde_json::to_value(token.0).ok());
        Context::new(
            principal(context),
            client(context),
            progress_token,
            Some(Arc::new(PeerChannel {
                peer: context.peer.clone(),
                session: self.session.clone(),
            })),
            context.ct.clone(),
        )
    }
}

impl Shared {
    /// One page of `items`, from the offset `cursor` names.
    fn page<T>(
        &self,
        items: impl Iterator<Item = T>,
        request: Option<&PaginatedRequestParams>,
    ) -> Result<(Vec<T>, Option<String>), ErrorData> {
        let start = match request.and_then(|r| r.cursor.as_deref()) {
            None => 0,
            Some(cursor) => decode_cursor(cursor).ok_or_else(|| {
                ErrorData::invalid_params(
                    "invalid cursor: pass back a `nextCursor` unchanged",
                    None,
                )
            })?,
        };
        let size = if self.page_size == 0 {
            usize::MAX
        } else {
            self.page_size
        };
        let mut page: Vec<T> = items.skip(start).take(size.saturating_add(1)).collect();
        let next = (page.len() > size).then(|| {
            page.truncate(size);
            encode_cursor(start + size)
        });
        Ok((page, next))
    }

    pub(super) fn list_tools(
        &self,
        principal: Option<&Principal>,
        request: Option<&PaginatedRequestParams>,
        hints: bool,
    ) -> Result<ListToolsResult, ErrorData> {
        let registry = self.dispatcher.snapshot();
        let visible = |i: usize| (self.dispatcher).tool_is_visible(&registry.tools()[i], principal);
        self.list_tools_where(&registry, visible, request, hints)
    }

    /// `tools/list` of the tools of `registry` whose index passes `visible`.
    pub(super) fn list_tools_where(
        &self,
        registry: &Arc<Registry>,
        visible: impl Fn(usize) -> bool,
        request: Option<&PaginatedRequestParams>,
        hints: bool,
    ) -> Result<ListToolsResult, ErrorData> {
        let wire = self.tools.get(registry, wire_tools);
        let tools = (0..wire.value.len())
            .filter(|&i| visible(i))
            .map(|i| wire.value[i].clone());
        let (tools, next) = self.page(tools, request)?;
        let mut result = ListToolsResult::with_all_items(tools);
        result.next_cursor = next;
        if hints {
            let tools = registry.tools();
            let shown = (0..tools.len()).filter(|&i| visible(i));
            let hint = self.dispatcher.list_hint(
                shown.map(|i| &tools[i].access),
                tools.iter().map(|tool| &tool.access),
            );
            (result.ttl_ms, result.cache_scope) = convert::cache_hint(hint);
        }
        Ok(result)
    }

    pub(super) fn list_resources(
        &self,
        principal: Option<&Principal>,
        request: Option<&PaginatedRequestParams>,
        hints: bool,
    ) -> Result<ListResourcesResult, ErrorData> {
        let registry = self.dispatcher.snapshot();
        let resources = self
            .dispatcher
            .visible_resources(&registry, principal)
            .filter(|r| !r.is_template())
            .map(convert::resource);
        let (resources, next) = self.page(resources, request)?;
        let mut result = ListResourcesResult::with_all_items(resources);
        result.next_cursor = next;
        if hints {
            let dispatcher = &self.dispatcher;
            let shown = dispatcher.visible_resources(&registry, principal);
            let all = registry.resources().iter();
            let hint = dispatcher.list_hint(
                shown.filter(|r| !r.is_template()).map(|r| &r.access),
                all.filter(|r| !r.is_template()).map(|r| &r.access),
            );
            (result.ttl_ms, result.cache_scope) = convert::cache_hint(hint);
        }
        Ok(result)
    }

    pub(super) fn list_resource_templates(
        &self,
        principal: Option<&Principal>,
        request: Option<&PaginatedRequestParams>,
        hints: bool,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let registry = self.dispatcher.snapshot();
        let templates = self
            .dispatcher
            .visible_resources(&registry, principal)
            .filter(|r| r.is_template())
            .map(convert::resource_template);
        let (templates, next) = self.page(templates, request)?;
        let mut result = ListResourceTemplatesResult::with_all_items(templates);
        result.next_cursor = next;
        if hints {
            let dispatcher = &self.dispatcher;
            let shown = dispatcher.visible_resources(&registry, principal);
            let all = registry.resources().iter();
            let hint = dispatcher.list_hint(
                shown.filter(|r| r.is_template()).map(|r| &r.access),
                all.filter(|r| r.is_template()).map(|r| &r.access),
            );
            (result.ttl_ms, result.cache_scope) = convert::cache_hint(hint);
        }
        Ok(result)
    }

    pub(super) fn list_prompts(
        &self,
        principal: Option<&Principal>,
        request: Option<&PaginatedRequestParams>,
        hints: bool,
    ) -> Result<ListPromptsResult, ErrorData> {
        let registry = self.dispatcher.snapshot();
        let prompts = self
            .dispatcher
            .visible_prompts(&registry, principal)
            .map(convert::prompt);
        let (prompts, next) = self.page(prompts, request)?;
        let mut result = ListPromptsResult::with_all_items(prompts);
        result.next_cursor = next;
        if hints {
            let dispatcher = &self.dispatcher;
            let shown = (dispatcher.visible_prompts(&registry, principal)).map(|p| &p.access);
            let all = registry.prompts().iter().map(|p| &p.access);
            let hint = dispatcher.list_hint(shown, all);
            (result.ttl_ms, result.cache_scope) = convert::cache_hint(hint);
        }
        Ok(result)
    }

    pub(super) async fn read_resource(
        &self,
        mut params: ReadResourceRequestParams,
        context: Context,
        declared: Option<Declared>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let request = Request {
            method: "resources/read",
            name: &params.uri,
            arguments: None,
            responses: params.input_responses.take(),
            state: params.request_state.take(),
        };
        // A retry's answer depends on what the client answered: never cached.
        let retried = request.responses.is_some() || request.state.is_some();
        let hint = match declared {
            Some(_) if retried => Some(CacheHint::NONE),
            Some(_) => Some(
                self.dispatcher
                    .read_hint(&params.uri)
                    .unwrap_or(CacheHint::NONE),
            ),
            None => None,
        };
        let read = async |context, _| {
            let contents = self
                .dispatcher
                .read_resource(&params.uri, context)
                .await
                .map_err(item_error)?;
            let contents = contents
                .into_iter()
                .map(convert::resource_contents)
                .collect();
            let mut result = ReadResourceResult::new(contents);
            if let Some(hint) = hint {
                (result.ttl_ms, result.cache_scope) = convert::cache_hint(hint);
            }
            Ok(result)
        };
        let ran = input_required::run(&self.state_keys, declared, request, context, read);
        Ok(ran.await?.map_or_else(Into::into, Into::into))
    }

    pub(super) async fn get_prompt(
        &self,
        mut params: GetPromptRequestParams,
        context: Context,
        declared: Option<Declared>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let request = Request {
            method: "prompts/get",
            name: &params.name,
            arguments: params.arguments.take(),
            responses: params.input_responses.take(),
            state: params.request_state.take(),
        };
        let get = async |context, arguments: Option<_>| {
            let output = self
                .dispatcher
                .get_prompt(&params.name, arguments.unwrap_or_default(), context)
                .await
                .map_err(item_error)?;
            let messages = output
                .messages
                .into_iter()
                .map(convert::prompt_message)
                .collect();
            let mut result = GetPromptResult::new(messages);
            result.description = output.description;
            Ok(result)
        };
        let ran = input_required::run(&self.state_keys, declared, request, context, get);
        Ok(ran.await?.map_or_else(Into::into, Into::into))
    }

    pub(super) async fn complete(
        &self,
        request: CompleteRequestParams,
        principal: Option<&Principal>,
    ) -> Result<CompleteResult, ErrorData> {
        let target = match &request.r#ref {
            Reference::Prompt(prompt) => CompletionTarget::Prompt(&prompt.name),
            Reference::Resource(resource) => CompletionTarget::Resource(&resource.uri),
            _ => return Err(ErrorData::invalid_params("unknown reference type", None)),
        };
        let completion = self
            .dispatcher
            .complete(
                target,
                &request.argument.name,
                &request.argument.value,
                principal,
            )
            .await
            .map_err(item_error)?;
        let mut info = CompletionInfo::default();
        info.values = completion.values;
        info.total = u32::try_from(completion.total).ok();
        info.has_more = Some(completion.has_more);
        Ok(CompleteResult::new(info))
    }

    pub(super) async fn call_tool(
        &self,
        mut params: CallToolRequestParams,
        context: Context,
        declared: Option<Declared>,
    ) -> Result<CallToolResponse, ErrorData> {
        let request = Request {
            method: "tools/call",
            name: &params.name,
            arguments: params.arguments.take(),
            responses: params.input_responses.take(),
            state: params.request_state.take(),
        };
        #[cfg(feature = "tasks")]
        if let Some(tasks) = &self.tasks
            && let Some(support) = self
                .dispatcher
                .snapshot()
                .tool(&params.name)
                .map(|t| t.task)
            && let Some(route) = super::tasks::route(support, declared)
        {
            route?;
            let declared = declared.expect("only a request that declared tasks is routed to them");
            let answer = super::tasks::call(
                tasks,
                &self.state_keys,
                request,
                &context,
                support,
                declared,
            );
            return answer.await;
        }
        let call = async |context, arguments| match self
            .dispatcher
            .call_tool(&params.name, arguments, context)
            .await
        {
            Ok(output) => Ok(convert::call_result(output)),
            Err(error @ CallError::UnknownTool(_)) => {
                Err(ErrorData::invalid_params(error.to_string(), None))
            }
            Err(CallError::Cancelled) => {
                Err(ErrorData::new(ErrorCode(-32800), "request cancelled", None))
            }
        };
        let ran = input_required::run(&self.state_keys, declared, request, context, call);
        Ok(ran.await?.map_or_else(Into::into, Into::into))
    }
}

/// Cursors are opaque to clients; inside, an offset.
fn encode_cursor(offset: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix("o:")?
        .parse()
        .ok()
}

/// A failed read, prompt or completion as a JSON-RPC error.
fn item_error(error: ItemError) -> ErrorData {
    match error {
        ItemError::UnknownResource(uri) => ErrorData::new(
            ErrorCode(-32002),
            format!("resource not found: {uri}"),
            Some(serde_json::json!({ "uri": uri })),
        ),
        ItemError::UnknownPrompt(_) => ErrorData::invalid_params(error.to_string(), None),
        ItemError::Failed(error) => {
            let code = match error.kind() {
                ErrorKind::NotFound => -32002,
                kind => kind.jsonrpc_code(),
            };
            ErrorData::new(ErrorCode(code), error.client_message().into_owned(), None)
        }
        ItemError::Cancelled => ErrorData::new(ErrorCode(-32800), "request cancelled", None),
    }
}

/// The principal the HTTP layer authenticated, carried in the request's extensions. None on
/// stdio, where the client is the local user who started the process.
/// Whether the request is of the 2026-07-28 revision, whose results carry cache hints.
fn per_request(context: &RequestContext<RoleServer>) -> bool {
    input_required::declared(&context.meta).is_some()
}

pub(super) fn client(context: &RequestContext<RoleServer>) -> Option<ClientAddr> {
    context
        .extensions
        .get::<axum::http::request::Parts>()?
        .extensions
        .get::<ClientAddr>()
        .copied()
}

fn principal(context: &RequestContext<RoleServer>) -> Option<Principal> {
    context
        .extensions
        .get::<axum::http::request::Parts>()?
        .extensions
        .get::<Principal>()
        .cloned()
}

impl ServerHandler for Adapter {
    fn get_info(&self) -> ServerConfig {
        self.shared.info.clone()
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let operation = traced::operation(Method::ListTools, Target::None, &context);
        let answer = async {
            self.shared.list_tools(
                principal(&context).as_ref(),
                request.as_ref(),
                per_request(&context),
            )
        };
        traced::run(operation, answer).await
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let operation = traced::operation(Method::ListResources, Target::None, &context);
        let answer = async {
            self.shared.list_resources(
                principal(&context).as_ref(),
                request.as_ref(),
                per_request(&context),
            )
        };
        traced::run(operation, answer).await
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let operation = traced::operation(Method::ListResourceTemplates, Target::None, &context);
        let answer = async {
            self.shared.list_resource_templates(
                principal(&context).as_ref(),
                request.as_ref(),
                per_request(&context),
            )
        };
        traced::run(operation, answer).await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let declared = input_required::declared(&context.meta);
        let call_context = self.context(&context);
        let target = Target::Resource(&request.uri);
        let operation = traced::operation(Method::ReadResource, target, &context);
        let answer = self.shared.read_resource(request, call_context, declared);
        traced::run(operation, answer).await
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let operation = traced::operation(Method::ListPrompts, Target::None, &context);
        let answer = async {
            self.shared.list_prompts(
                principal(&context).as_ref(),
                request.as_ref(),
                per_request(&context),
            )
        };
        traced::run(operation, answer).await
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let declared = input_required::declared(&context.meta);
        let call_context = self.context(&context);
        let target = Target::Prompt(&request.name);
        let operation = traced::operation(Method::GetPrompt, target, &context);
        let answer = self.shared.get_prompt(request, call_context, declared);
        traced::run(operation, answer).await
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let operation = traced::operation(Method::Complete, Target::None, &context);
        let principal = principal(&context);
        let answer = self.shared.complete(request, principal.as_ref());
        traced::run(operation, answer).await
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let target = Target::Resource(&request.uri);
        let operation = traced::operation(Method::Subscribe, target, &context);
        let answer = async {
            // The same answer as for a URI that matches nothing: nothing to learn from it.
            if !self
                .shared
                .dispatcher
                .may_read(&request.uri, principal(&context).as_ref())
            {
                return Err(item_error(ItemError::UnknownResource(request.uri)));
            }
            self.session.attach(&context.peer);
            self.session.subscribe(request.uri);
            Ok(())
        };
        traced::run(operation, answer).await
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let target = Target::Resource(&request.uri);
        let operation = traced::operation(Method::Unsubscribe, target, &context);
        let answer = async {
            self.session.unsubscribe(&request.uri);
            Ok(())
        };
        traced::run(operation, answer).await
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let operation = traced::operation(Method::SetLogLevel, Target::None, &context);
        let answer = async {
            self.session.attach(&context.peer);
            *self
                .session
                .log_level
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(convert::log_level(request.level));
            Ok(())
        };
        traced::run(operation, answer).await
    }

    /// Every category the server advertises; rmcp drops the others.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        // rmcp acknowledges the stream after this and before `listen` registers it.
        self.session.mark_listen(&self.shared.sessions);
        Some(requested.clone())
    }

    /// Holds a `subscriptions/listen` stream open, registered for announcements, until the
    /// client closes it or the server shuts down.
    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let principal = principal(context.request_context());
        let sessions = &self.shared.sessions;
        let sink = context.sink().clone();
        let limits = self.shared.listen_limits;
        let listened = sessions.listen(&self.session, sink.clone(), principal.clone(), limits);
        let (_listening, missed) = match listened {
            Ok(listening) => listening,
            Err(TooMany::Total { max }) => {
                let message = format!("the server has {max} listen streams open; try again later");
                return Err(ErrorData::new(ErrorCode(-32000), message, None));
            }
            Err(TooMany::Caller { max }) => {
                let message = format!(
                    "this caller has {max} listen streams open, the most allowed; close one first"
                );
                return Err(ErrorData::new(ErrorCode(-32000), message, None));
            }
        };
        let dispatcher = &self.shared.dispatcher;
        for announcement in missed {
            let may_read = |principal: Option<&Principal>| match &announcement {
                Announcement::ResourceUpdated(uri) => dispatcher.may_read(uri, principal),
                Announcement::ListChanged(_) => true,
            };
            if sessions::wants(&sink, principal.as_ref(), &announcement, &may_read) {
                sessions::send(&sink, &announcement).await;
            }
        }
        context.cancelled().await;
        Ok(())
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.session.attach(&context.peer);
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let shared = &self.shared;
        let wire = shared.tools.get(&shared.dispatcher.registry(), wire_tools);
        wire.value.iter().find(|tool| tool.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let declared = input_required::declared(&context.meta);
        let call_context = self.context(&context);
        let operation = traced::operation(Method::CallTool, Target::Tool(&request.name), &context);
        let answer = self.shared.call_tool(request, call_context, declared);
        let is_tool_error = |response: &CallToolResponse| matches!(response, CallToolResponse::Complete(result) if result.is_error == Some(true));
        let mut response = traced::run_call(operation, answer, is_tool_error).await?;
        if let CallToolResponse::Complete(result) = &mut response {
            convert::parse_structured(result);
        }
        Ok(response)
    }

    #[cfg(feature = "tasks")]
    async fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetTaskResult, ErrorData> {
        let operation = traced::operation(Method::GetTask, Target::None, &context);
        let answer = async {
            super::tasks::get(self.tasks()?, &request.task_id, &self.context(&context)).await
        };
        traced::run(operation, answer).await
    }

    #[cfg(feature = "tasks")]
    async fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let operation = traced::operation(Method::UpdateTask, Target::None, &context);
        let answer = async {
            let responses = request.input_responses.into_iter().collect();
            let call_context = self.context(&context);
            super::tasks::update(self.tasks()?, &request.task_id, responses, &call_context).await
        };
        traced::run(operation, answer).await
    }

    #[cfg(feature = "tasks")]
    async fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let operation = traced::operation(Method::CancelTask, Target::None, &context);
        let answer = async {
            super::tasks::cancel(self.tasks()?, &request.task_id, &self.context(&context)).await
        };
        traced::run(operation, answer).await
    }

    /// A known method whose params did not parse lands here: say so, rather than "unknown method".
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        if Method::from_name(&request.method).is_some() {
            return Err(ErrorData::invalid_params(
                format!(
                    "invalid params for `{}`: they do not match the method's schema",
                    request.method
                ),
                None,
            ));
        }
        Err(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("unknown method: {}", request.method),
            None,
        ))
    }
}
