// Package adminsettings checks Docker Desktop's admin-settings.json
// against its documented structure (docs/contract.md §4 step 9) before a root
// writes it to every Mac of a fleet.
//
// SECURITY: part of what root runs: the text comes from the command line
// or from managed preferences and becomes a root-owned file the app
// trusts. Pure functions; nothing here touches the disk.
//
// The structure is Docker's own documentation: docker/docs,
// content/manuals/enterprise/security/hardened-desktop/settings-management/configure-json-file.md
// ("Configure Settings Management with a JSON file": its example file and
// its "admin-settings.json configurations" tables), and, for the
// single-quoted command-line form, content/manuals/desktop/setup/install/mac-install.md
// ("Installer flags": --admin-settings="{'configurationFileVersion': 2, …}").
package adminsettings
