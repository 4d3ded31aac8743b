"""marketplace.client: the marketplace server's API from Python (what ``--server`` uses).

May import: the marketplace package's modules, host_api, the standard library, httpx
(confined to this subpackage).
"""

__all__ = [
    "CONFIG_ENV",
    "TOKEN_ENV",
    "IndexTrust",
    "MarketClient",
    "RemoteError",
    "RemoteMarket",
    "RemoteStore",
    "ServerUnreachable",
    "config_path",
    "server_entry",
    "token_for",
    "update_server",
]

from ._config import CONFIG_ENV as CONFIG_ENV
from ._config import TOKEN_ENV as TOKEN_ENV
from ._config import config_path as config_path
from ._config import server_entry as server_entry
from ._config import token_for as token_for
from ._config import update_server as update_server
from ._http import MarketClient as MarketClient
from ._http import RemoteError as RemoteError
from ._http import ServerUnreachable as ServerUnreachable
from ._remote import IndexTrust as IndexTrust
from ._remote import RemoteMarket as RemoteMarket
from ._remote import RemoteStore as RemoteStore
