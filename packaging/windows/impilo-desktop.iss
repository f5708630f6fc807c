; Inno Setup 6 script: a per-user installer for Impilo Desktop (no administrator rights).
;
;   python packaging\build.py                       (builds the bundle, self-tests, then this)
;   iscc /DAppVersion=0.1.0 packaging\windows\impilo-desktop.iss      (this step alone)
;
; Input:  dist\impilo-desktop\ (PyInstaller onedir from packaging\impilo-desktop.spec)
; Output: dist\impilo-desktop-<version>-setup.exe
;
; Signing: register a sign tool named "impilo" with Inno Setup and pass /DSign, e.g.
;   iscc "/Simpilo=signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f"
;        /DSign /DAppVersion=0.1.0 packaging\windows\impilo-desktop.iss
; It signs both programs unless release.py signed them already (Flags: signonce), the
; uninstaller and setup itself.
; `python packaging\release.py package` does this from the release workflow's secrets.
; No certificate or password lives in the repository.
;
; Silent installs (IT):
;   impilo-desktop-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS
; (per machine, Program Files, run as administrator) or /CURRENTUSER (per user). See
; packaging/README.md, "Managed Windows machines".
;
; The coordinator's data (drafts, outbox, settings, logs) lives in %LOCALAPPDATA%\impilo-desktop
; and is deliberately kept on uninstall: unsent orders must survive a reinstall.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (packaging\build.py reads impilo_desktop.__version__)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\impilo-desktop"
#endif
#define AppName "Impilo Desktop"
#define AppExe "impilo-desktop.exe"

[Setup]
; Never change AppId: upgrades and uninstall find the installed copy by it.
AppId={{6F1C2B7E-3D54-4C8A-9E21-5B7A0D4F93C6}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Impilo
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
; Per-user by default: installs to %LOCALAPPDATA%\Programs\Impilo Desktop, no UAC prompt.
; IT installs per machine (Program Files: AppLocker's default rules block per-user folders)
; with /ALLUSERS on the command line; the dialog never offers the choice.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=impilo-desktop-{#AppVersion}-setup
SetupIconFile=..\..\resources\app\impilo-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; Close a running copy before files are replaced (upgrade), and restart it afterwards.
; The app holds this mutex while it runs (impilo_desktop/app_mutex.py): setup waits for it to
; close instead of replacing files under it (the check is at setup's start, before anything
; is installed; a silent install with /SUPPRESSMSGBOXES stops there with a non-zero exit code).
AppMutex=ImpiloDesktopRunning,Global\ImpiloDesktopRunning
CloseApplications=yes
RestartApplications=yes
#ifdef Sign
SignTool=impilo
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A new version's bundle replaces the old one whole: no stale libraries from an older build.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
#ifdef Sign
; The two programs are signed (by release.py before setup is built, or here as they are
; packed: SignTool above), so SmartScreen and antivirus see a signed publisher on what runs,
; not only on setup.
Source: "{#SourceDir}\impilo-desktop.exe"; DestDir: "{app}"; Flags: ignoreversion signonce
Source: "{#SourceDir}\impilo-desktop-cli.exe"; DestDir: "{app}"; Flags: ignoreversion signonce
Source: "{#SourceDir}\*"; Excludes: "\impilo-desktop.exe,\impilo-desktop-cli.exe"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
#else
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
#endif

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Enter and track Impilo orders"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
