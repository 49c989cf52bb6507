"""The deployment's Key Vault, data plane: the ACME token, and the certificate in and out.

The certificate is imported as PKCS#12 with an exportable key, so that destroy can take it
out again: Key Vault keeps it as the secret of the same name, whose value is the base64 of an
unprotected PFX. Secret values never appear in errors or logs.
"""

from __future__ import annotations

import base64
import binascii

from geobot.errors import CertError
from geobot.targets.azure.errors import AzureNotFound, call
from geobot.targets.azure.session import AzureSession

API_VERSION = "2025-07-01"
PKCS12 = "application/x-pkcs12"
SECRETS_ROLE = "Key Vault Secrets Officer"
CERTIFICATES_ROLE = "Key Vault Certificates Officer"
EXPORT_ROLE = "Key Vault Secrets User"


class KeyVault:
    def __init__(self, session: AzureSession, vault_url: str) -> None:
        from azure.keyvault.certificates import CertificateClient
        from azure.keyvault.secrets import SecretClient

        options = {"api_version": API_VERSION, **session.retry.sdk_options()}
        self._secrets = SecretClient(vault_url, session.credential, **options)
        self._certificates = CertificateClient(vault_url, session.credential, **options)
        self._retry = session.retry
        self.url = vault_url

    def set_secret(self, name: str, value: str) -> None:
        call(
            f"set secret '{name}' in Key Vault {self.url}",
            lambda: self._secrets.set_secret(name, value),
            retry=self._retry,
            role=SECRETS_ROLE,
        )

    def get_secret(self, name: str) -> str | None:
        """The secret's current value; None when there is no such secret."""
        try:
            secret = call(
                f"read secret '{name}' from Key Vault {self.url}",
                lambda: self._secrets.get_secret(name),
                retry=self._retry,
                role=EXPORT_ROLE,
            )
        except AzureNotFound:
            return None
        return secret.value

    def delete_secret(self, name: str) -> None:
        """Delete (soft-delete) a secret; one that is already gone is fine.

        Not waited for: each ACME token has its own name, so a soft-deleted one never clashes.
        """
        try:
            call(
                f"delete secret '{name}' in Key Vault {self.url}",
                lambda: self._secrets.begin_delete_secret(name),
                retry=self._retry,
                role=SECRETS_ROLE,
            )
        except AzureNotFound:
            pass

    def import_certificate(self, name: str, pfx: bytes, password: str | None = None) -> str:
        """Import a PFX as the certificate's new version; returns its thumbprint (hex)."""
        from azure.keyvault.certificates import CertificateContentType, CertificatePolicy

        policy = CertificatePolicy(content_type=CertificateContentType.pkcs12, exportable=True)
        imported = call(
            f"import certificate '{name}' into Key Vault {self.url}",
            lambda: self._certificates.import_certificate(name, pfx, password=password, policy=policy),
            retry=self._retry,
            role=CERTIFICATES_ROLE,
        )
        return (imported.properties.x509_thumbprint or b"").hex()

    def get_certificate(self, name: str) -> bytes | None:
        """Like export_certificate, but None when the vault holds no such certificate yet."""
        try:
            return self.export_certificate(name)
        except AzureNotFound:
            return None

    def export_certificate(self, name: str) -> bytes:
        """The current version of certificate `name` as an unprotected PFX, from its backing secret."""
        secret = call(
            f"read certificate '{name}' from Key Vault {self.url}",
            lambda: self._secrets.get_secret(name),
            retry=self._retry,
            role=EXPORT_ROLE,
        )
        if secret.properties.content_type != PKCS12:
            raise CertError(
                f"certificate '{name}' in Key Vault {self.url} is stored as "
                f"{secret.properties.content_type or 'a plain secret'}, not as a PFX ({PKCS12})",
                "import it again with `geobot cert import PATH` (a .pfx), then export",
            )
        try:
            return base64.b64decode(secret.value or "", validate=True)
        except binascii.Error as e:
            raise CertError(
                f"certificate '{name}' in Key Vault {self.url}: its secret is not base64", "import it again"
            ) from e
