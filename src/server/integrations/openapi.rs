//! `GET /api/v1/openapi.json`: the bot API described for code generators and for reading,
//! derived from the handlers (`utoipa`), never written by hand.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::bot_api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Banter bot API",
        version = "1",
        description = "Post and read messages with a bot's token (`Authorization: Bearer <token>`, \
                       from its owner's profile). Errors are `{\"code\",\"message\"}`; the live \
                       stream is the WebSocket protocol in docs/protocol.md."
    ),
    paths(
        bot_api::rooms,
        bot_api::messages,
        bot_api::post_message,
        crate::server::media::uploads::upload,
        super::hook_receiver::receive
    ),
    modifiers(&TokenAuth)
)]
struct BotApi;

/// The `token` security scheme the paths name: a bearer token.
struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The document, as JSON.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(BotApi::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every endpoint is described, with its refusals in the shape they are answered in.
    #[test]
    fn the_document_names_each_endpoint_and_the_error_shape() {
        let document = serde_json::to_value(BotApi::openapi()).expect("serializes");
        let paths = document["paths"].as_object().expect("paths");
        for path in ["/api/v1/rooms", "/api/v1/rooms/{room}/messages", "/api/uploads", "/hooks/{token}"] {
            assert!(paths.contains_key(path), "{path} is described");
        }
        let schemas = document["components"]["schemas"].as_object().expect("schemas");
        for schema in ["ApiError", "ChatMessage", "NewPost", "Attachment", "HookPayload"] {
            assert!(schemas.contains_key(schema), "{schema} is described");
        }
        assert_eq!(document["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    }
}
