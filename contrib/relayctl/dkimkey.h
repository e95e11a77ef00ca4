/*
 * NAME
 *	dkimkey - DKIM key pairs: generation and the DNS TXT value
 * OWNERSHIP
 *	PEM strings returned are the caller's; free them with
 *	dkimkey_free_pem(), which wipes them first (NULL is a no-op).
 */
#ifndef RELAY_CTL_DKIMKEY_H
#define RELAY_CTL_DKIMKEY_H

#include <stddef.h>

/* Longest TXT value made: "v=DKIM1; k=rsa; p=" + base64 of a 2048-bit SPKI. */
#define DKIMKEY_TXT_MAX	1024

/* dkimkey_generate - RSA-2048 and Ed25519, PEM PKCS#8; 0 or -1 */
int	 dkimkey_generate(char **rsa_pem, char **ed_pem);
/* dkimkey_txt - "v=DKIM1; k=rsa|ed25519; p=..." for a private key PEM; 0 or -1 */
int	 dkimkey_txt(const char *pem, char *out, size_t outlen);
void	 dkimkey_free_pem(char *pem);

#endif
