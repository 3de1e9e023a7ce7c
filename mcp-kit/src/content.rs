//! Content blocks a tool returns: our own types, converted to the wire format in `wire`.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::{Map, Value, json};

/// One block of a tool's (or prompt's) content.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Content {
    /// Plain text.
    Text(String),
    /// An image, base64-encoded.
    Image {
        /// Base64 of the image bytes.
        data: String,
        /// e.g. `image/png`.
        mime_type: String,
    },
    /// Audio, base64-encoded.
    Audio {
        /// Base64 of the audio bytes.
        data: String,
        /// e.g. `audio/wav`.
        mime_type: String,
    },
    /// A resource whose contents travel inline.
    Resource(ResourceContents),
    /// A link to a resource the client may read.
    ResourceLink(ResourceLink),
}

impl Content {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// An image block from raw bytes.
    pub fn image(bytes: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Self::Image {
            data: base64(bytes.as_ref()),
            mime_type: mime_type.into(),
        }
    }

    /// An image block from data already base64-encoded (standard alphabet, padded), as an
    /// API or a file store hands it over. Checked, so a client never gets a broken image.
    pub fn image_base64(
        data: impl Into<String>,
        mime_type: impl Into<String>,
    ) -> Result<Self, crate::ToolError> {
        Ok(Self::Image {
            data: checked_base64("image", data.into())?,
            mime_type: mime_type.into(),
        })
    }

    /// An audio block from data already base64-encoded; see [`Content::image_base64`].
    pub fn audio_base64(
        data: impl Into<String>,
        mime_type: impl Into<String>,
    ) -> Result<Self, crate::ToolError> {
        Ok(Self::Audio {
            data: checked_base64("audio", data.into())?,
            mime_type: mime_type.into(),
        })
    }

    /// An audio block from raw bytes.
    pub fn audio(bytes: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Self::Audio {
            data: base64(bytes.as_ref()),
            mime_type: mime_type.into(),
        }
    }

    /// An embedded resource.
    pub fn resource(contents: ResourceContents) -> Self {
        Self::Resource(contents)
    }

    /// A link to a resource.
    pub fn resource_link(link: ResourceLink) -> Self {
        Self::ResourceLink(link)
    }

    /// The text, for a text block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// The contents of a resource: text or binary.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceContents {
    /// The resource's URI.
    pub uri: String,
    /// Its media type, when known.
    pub mime_type: Option<String>,
    /// Text or bytes.
    pub body: ResourceBody,
    /// Metadata sent as `_meta` (an app's settings, for one).
    pub meta: Option<Map<String, Value>>,
}

/// The body of a resource.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceBody {
    /// UTF-8 text.
    Text(String),
    /// Base64 of binary data.
    Blob(String),
}

impl ResourceContents {
    /// Text contents.
    pub fn text(uri: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            mime_type: None,
            body: ResourceBody::Text(text.into()),
            meta: None,
        }
    }

    /// Binary contents, sent as a base64 `blob`.
    pub fn blob(uri: impl Into<String>, bytes: impl AsRef<[u8]>) -> Self {
        Self {
            uri: uri.into(),
            mime_type: None,
            body: ResourceBody::Blob(base64(bytes.as_ref())),
            meta: None,
        }
    }

    /// Sets the media type.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }
}

/// A link to a resource, returned by a tool without its contents.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceLink {
    /// The resource's URI.
    pub uri: String,
    /// A short name.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// Its media type, when known.
    pub mime_type: Option<String>,
}

impl ResourceLink {
    /// A link to `uri` named `name`.
    pub fn new(uri: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            name: name.into(),
            description: None,
            mime_type: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the media type.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<Cow<'_, str>> for Content {
    fn from(text: Cow<'_, str>) -> Self {
        Self::Text(text.into_owned())
    }
}

impl Content {
    /// A block read from MCP JSON, as another server sent it.
    #[cfg(feature = "client")]
    pub(crate) fn from_json(value: &Value) -> Option<Self> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(match value.get("type")?.as_str()? {
            "text" => Self::Text(text("text")?),
            "image" => Self::Image {
                data: text("data")?,
                mime_type: text("mimeType")?,
            },
            "audio" => Self::Audio {
                data: text("data")?,
                mime_type: text("mimeType")?,
            },
            "resource" => Self::Resource(ResourceContents::from_json(value.get("resource")?)?),
            "resource_link" => Self::ResourceLink(ResourceLink {
                uri: text("uri")?,
                name: text("name")?,
                description: text("description"),
                mime_type: text("mimeType"),
            }),
            _ => return None,
        })
    }

    /// The block as MCP JSON, e.g. `{"type":"text","text":"hi"}`.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Text(text) => json!({ "type": "text", "text": text }),
            Self::Image { data, mime_type } => {
                json!({ "type": "image", "data": data, "mimeType": mime_type })
            }
            Self::Audio { data, mime_type } => {
                json!({ "type": "audio", "data": data, "mimeType": mime_type })
            }
            Self::Resource(contents) => {
                json!({ "type": "resource", "resource": contents.to_json() })
            }
            Self::ResourceLink(link) => {
                let mut value =
                    json!({ "type": "resource_link", "uri": link.uri, "name": link.name });
                insert_some(&mut value, "description", link.description.as_deref());
                insert_some(&mut value, "mimeType", link.mime_type.as_deref());
                value
            }
        }
    }
}

impl ResourceContents {
    /// Contents read from MCP JSON, as another server sent them.
    #[cfg(feature = "client")]
    pub(crate) fn from_json(value: &Value) -> Option<Self> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let body = match (text("text"), text("blob")) {
            (Some(text), _) => ResourceBody::Text(text),
            (None, Some(blob)) => ResourceBody::Blob(blob),
            (None, None) => return None,
        };
        Some(Self {
            uri: text("uri")?,
            mime_type: text("mimeType"),
            body,
            meta: value.get("_meta").and_then(Value::as_object).cloned(),
        })
    }

    /// The contents as MCP JSON.
    pub fn to_json(&self) -> Value {
        let mut value = match &self.body {
            ResourceBody::Text(text) => json!({ "uri": self.uri, "text": text }),
            ResourceBody::Blob(blob) => json!({ "uri": self.uri, "blob": blob }),
        };
        insert_some(&mut value, "mimeType", self.mime_type.as_deref());
        if let Some(meta) = &self.meta {
            value["_meta"] = Value::Object(meta.clone());
        }
        value
    }
}

fn insert_some(value: &mut Value, key: &str, field: Option<&str>) {
    if let (Some(field), Some(object)) = (field, value.as_object_mut()) {
        object.insert(key.to_owned(), field.into());
    }
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `data`, if it is base64 as the protocol carries it.
fn checked_base64(what: &str, data: String) -> Result<String, crate::ToolError> {
    match base64::engine::general_purpose::STANDARD.decode(&data) {
        Ok(_) => Ok(data),
        Err(error) => Err(crate::ToolError::internal(format!(
            "the {what} data is not base64 (standard alphabet, padded): {error}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_content_is_base64() {
        let Content::Image { data, mime_type } =
            Content::image([0x89, b'P', b'N', b'G'], "image/png")
        else {
            panic!("not an image")
        };
        assert_eq!(data, "iVBORw==");
        assert_eq!(mime_type, "image/png");
        assert_eq!(
            Content::image_base64("iVBORw==", "image/png").unwrap(),
            Content::image([0x89, b'P', b'N', b'G'], "image/png")
        );
        let broken = Content::audio_base64("not base64!", "audio/wav").unwrap_err();
        assert!(
            broken.message().contains("audio data is not base64"),
            "{broken}"
        );
        let blob = ResourceContents::blob("x://1", b"hi");
        assert_eq!(blob.body, ResourceBody::Blob("aGk=".into()));
    }
}
